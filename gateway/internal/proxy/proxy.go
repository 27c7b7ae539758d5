// Package proxy is the gateway's lean reverse proxy. It does what
// httputil.ReverseProxy does for this gateway's traffic, with less work per
// request: upstream URLs parsed once, one pooled keep-alive transport, no
// header map clones, no per-request goroutines, and pooled copy buffers.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Errors that Do returns, so the caller can pick a status and tell the
// breaker what happened.
var (
	ErrTimeout     = errors.New("upstream timed out")
	ErrUnreachable = errors.New("upstream unreachable")
	ErrClientGone  = errors.New("client went away")
)

// Upstream is one service the gateway forwards to, with its own pool of
// keep-alive connections.
type Upstream struct {
	Name   string
	scheme string
	host   string
	pool   *pool
}

// NewUpstream parses base ("http://localhost:8081") once and gives the
// upstream a connection pool that Close closes.
func (p *Proxy) NewUpstream(name, base string) (*Upstream, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("upstream %s url %q: not an absolute http url", name, base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	d := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	up := &Upstream{Name: name, scheme: u.Scheme, host: u.Host, pool: &pool{addr: addr, dialer: d}}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.upstreams = append(p.upstreams, up)
	return up, nil
}

// Proxy forwards requests to upstreams. Plain-HTTP requests with a known
// body length (nearly all API traffic) use the upstream's own connection
// pool and a hand-written HTTP/1.1 exchange; anything else (HTTPS upstreams,
// chunked request bodies) goes through a tuned http.Transport.
type Proxy struct {
	transport *http.Transport
	bufs      sync.Pool
	upstreams []*Upstream
	mu        sync.Mutex
}

// New returns a Proxy. Its fallback transport keeps many idle connections
// per upstream and never compresses: the gateway passes bytes through.
func New() *Proxy {
	d := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	return &Proxy{
		transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConns:        4096,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			WriteBufferSize:     16 << 10,
			ReadBufferSize:      16 << 10,
		},
		bufs: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }},
	}
}

// Close drops the idle upstream connections.
func (p *Proxy) Close() {
	p.transport.CloseIdleConnections()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, up := range p.upstreams {
		up.pool.closeIdle()
	}
}

// Do sends r to up and returns the upstream's response; the caller must
// read the body to its end or close it. timeout bounds the whole exchange.
// ctx is the client's: when it is done, a failure is ErrClientGone, which
// the breaker does not count. r's headers are filtered as Header describes,
// and the request id and traceparent are set.
func (p *Proxy) Do(ctx context.Context, r *http.Request, up *Upstream, timeout time.Duration, requestID, traceparent string) (*http.Response, error) {
	if ctx.Err() != nil {
		return nil, classify(ctx, false, ctx.Err())
	}
	if up.scheme == "http" && r.ContentLength >= 0 {
		resp, err := p.roundTrip(ctx, r, up, time.Now().Add(timeout), requestID, traceparent)
		if err != nil {
			return nil, classify(ctx, isTimeout(err), err)
		}
		return resp, nil
	}
	return p.doStandard(ctx, r, up, timeout, requestID, traceparent)
}

func (p *Proxy) doStandard(ctx context.Context, r *http.Request, up *Upstream, timeout time.Duration, requestID, traceparent string) (*http.Response, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	out := r.WithContext(rctx)
	out.URL = &url.URL{Scheme: up.scheme, Host: up.host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	out.Host, out.RequestURI, out.Close = "", "", false
	out.Header = Header(r.Header)
	if r.ContentLength == 0 {
		out.Body = nil
	}
	setForwarded(out.Header, r)
	out.Header["X-Request-Id"] = []string{requestID}
	out.Header["Traceparent"] = []string{traceparent}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, classify(ctx, rctx.Err() != nil, err)
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose releases the request's timeout when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and releases the timeout.
func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func classify(client context.Context, timedOut bool, err error) error {
	switch {
	case client.Err() != nil:
		return fmt.Errorf("%w: %w", ErrClientGone, context.Canceled)
	case timedOut:
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
}

func setForwarded(h http.Header, r *http.Request) {
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := r.Header["X-Forwarded-For"]; len(prior) > 0 {
			ip = joinComma(prior) + ", " + ip
		}
		h["X-Forwarded-For"] = []string{ip}
	}
	h["X-Forwarded-Host"] = []string{r.Host}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	h["X-Forwarded-Proto"] = []string{proto}
}

func joinComma(vv []string) string {
	s := vv[0]
	for _, v := range vv[1:] {
		s += ", " + v
	}
	return s
}

// WriteResponse copies resp's status, end-to-end headers and body to w with
// a pooled buffer, and closes the body. A write error means the client went
// away; nothing more can be sent.
func (p *Proxy) WriteResponse(w http.ResponseWriter, resp *http.Response) error {
	defer resp.Body.Close()
	dst := w.Header()
	for k, vv := range resp.Header {
		if !hopByHop(k) {
			dst[k] = vv
		}
	}
	w.WriteHeader(resp.StatusCode)
	bp := p.bufs.Get().(*[]byte)
	defer p.bufs.Put(bp)
	// writerOnly hides http.response's ReadFrom so our pooled buffer is used.
	if _, err := io.CopyBuffer(writerOnly{w}, resp.Body, *bp); err != nil {
		return fmt.Errorf("copy response: %w", err)
	}
	return nil
}

// ReadAll reads a response body with a pooled buffer, for the cache.
func (p *Proxy) ReadAll(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	bp := p.bufs.Get().(*[]byte)
	defer p.bufs.Put(bp)
	var out []byte
	if resp.ContentLength > 0 && resp.ContentLength <= limit {
		out = make([]byte, 0, resp.ContentLength)
	}
	r := io.LimitReader(resp.Body, limit+1)
	for {
		n, err := r.Read(*bp)
		out = append(out, (*bp)[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read response: %w", err)
		}
	}
	if int64(len(out)) > limit {
		return nil, errors.New("response too large to cache")
	}
	return out, nil
}

type writerOnly struct{ io.Writer }
