// Package proxy is the gateway's lean reverse proxy on fasthttp types. It
// writes a client request's head to a pooled keep-alive HTTP/1.1 connection
// itself and reads the upstream's answer straight into the client's
// response: upstream URLs are parsed once, and a request costs no header
// maps, no goroutines and no timers (the timeout is a connection deadline).
package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
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
	Name string
	host string
	pool *pool
	// addr is the host:port the event-loop transport dials, and loops
	// its connections there, by event loop (see Send).
	addr  string
	loops sync.Map // *evloop.Loop → *loopPool
}

// Proxy forwards requests to its upstreams.
type Proxy struct {
	mu        sync.Mutex
	upstreams []*Upstream
}

// New returns a Proxy without upstreams.
func New() *Proxy { return &Proxy{} }

// NewUpstream parses base ("http://localhost:8081") once and gives the
// upstream a connection pool that Close closes. An https base is reached
// over TLS on the same pool.
func (p *Proxy) NewUpstream(name, base string) (*Upstream, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("upstream %s url %q: not an absolute http url", name, base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	pl := &pool{addr: addr, dialer: &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}}
	if u.Scheme == "https" {
		pl.tls = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	up := &Upstream{Name: name, host: u.Host, pool: pl, addr: addr}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.upstreams = append(p.upstreams, up)
	return up, nil
}

// Close drops the idle upstream connections.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, up := range p.upstreams {
		up.pool.closeIdle()
	}
}

// Outgoing is what the gateway adds to a request on its way upstream.
type Outgoing struct {
	RequestID   string
	Traceparent string
	// ClientIP is the peer's address, appended to X-Forwarded-For.
	ClientIP string
	// TLS tells whether the client connection is TLS (X-Forwarded-Proto).
	TLS bool
	// Body is the whole request body, already read and within the limit.
	Body []byte
}

// Do sends req to up and reads the answer into resp, body included, with
// hop-by-hop headers removed. timeout bounds the whole exchange. c, when
// not nil, is the client's: once cancelled, a failure is ErrClientGone
// (wrapping context.Canceled), which the breaker does not count. req's
// headers are filtered as Forwardable describes, and out's are added.
func (p *Proxy) Do(req *fasthttp.Request, resp *fasthttp.Response, up *Upstream, timeout time.Duration, out *Outgoing, c *Cancel) error {
	if c.Cancelled() {
		return fmt.Errorf("%w: %w", ErrClientGone, context.Canceled)
	}
	if err := p.roundTrip(req, resp, up, time.Now().Add(timeout), out, c); err != nil {
		return classify(c, err)
	}
	return nil
}

func classify(c *Cancel, err error) error {
	switch {
	case c.Cancelled():
		return fmt.Errorf("%w: %w", ErrClientGone, context.Canceled)
	case isTimeout(err):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
}

// isTimeout reports a passed deadline, which fasthttp's response parser
// reports as its own ErrTimeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, fasthttp.ErrTimeout) || (errors.As(err, &ne) && ne.Timeout())
}
