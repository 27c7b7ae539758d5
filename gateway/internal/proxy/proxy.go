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

// Upstream is one service the gateway forwards to.
type Upstream struct {
	Name   string
	scheme string
	host   string
}

// NewUpstream parses base ("http://localhost:8081") once.
func NewUpstream(name, base string) (*Upstream, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("upstream %s url %q: not an absolute http url", name, base)
	}
	return &Upstream{Name: name, scheme: u.Scheme, host: u.Host}, nil
}

// Proxy forwards requests over one shared, pooled transport.
type Proxy struct {
	transport *http.Transport
	bufs      sync.Pool
}

// New returns a Proxy whose transport keeps many idle connections per
// upstream and never compresses: the upstreams are local and the gateway
// should pass bytes through, not transform them.
func New() *Proxy {
	d := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	return &Proxy{
		transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			MaxIdleConns:          4096,
			MaxIdleConnsPerHost:   1024,
			IdleConnTimeout:       90 * time.Second,
			DisableCompression:    true,
			ForceAttemptHTTP2:     false,
			ExpectContinueTimeout: 0,
			WriteBufferSize:       16 << 10,
			ReadBufferSize:        16 << 10,
		},
		bufs: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }},
	}
}

// Close drops the idle upstream connections.
func (p *Proxy) Close() { p.transport.CloseIdleConnections() }

// Do sends r to up under ctx (which carries the route's timeout) and returns
// the upstream's response; the caller closes its body. r's headers are
// filtered as Header describes, and the request id and traceparent set.
func (p *Proxy) Do(ctx context.Context, r *http.Request, up *Upstream, requestID, traceparent string) (*http.Response, error) {
	out := r.WithContext(ctx)
	out.URL = &url.URL{Scheme: up.scheme, Host: up.host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	out.Host = ""
	out.RequestURI = ""
	out.Close = false
	out.Header = Header(r.Header)
	if r.ContentLength == 0 {
		out.Body = nil
	}
	setForwarded(out.Header, r)
	out.Header["X-Request-Id"] = []string{requestID}
	out.Header["Traceparent"] = []string{traceparent}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, classify(r.Context(), ctx, err)
	}
	return resp, nil
}

func classify(client, route context.Context, err error) error {
	switch {
	case client.Err() != nil:
		return fmt.Errorf("%w: %w", ErrClientGone, context.Canceled)
	case route.Err() != nil:
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
