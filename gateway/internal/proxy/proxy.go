// Package proxy forwards requests to the services with the standard
// library's reverse proxy: httputil.ReverseProxy on a Pool of upstream
// connections (an http.Transport for https and upgrades). It
// adds what the gateway decides about a request (its id, trace, client
// address) and removes what a client must not send (identity headers,
// X-Forwarded-* of its own, upgrades on routes that do not declare them).
// ReverseProxy strips hop-by-hop headers, those a Connection header names
// included, streams answers and flushes event streams as they are written.
package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrUpgradeRefused is the error of an upstream that switched protocols on
// a route that does not declare an upgrade.
var ErrUpgradeRefused = errors.New("upstream switched protocols on a route without upgrades")

// NewTransport is the pool of keep-alive connections every upstream
// shares. Upstream answers are read as they come; MaxResponseHeaderBytes
// bounds an upstream's head as the server bounds a client's. An idle
// connection is dropped after 90 s, before the services' own idle timeout
// (120 s) can close it under a request; a Pool on it does the same.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Outgoing is what the gateway adds to a request on its way upstream.
type Outgoing struct {
	RequestID   string
	Traceparent string
	// ForwardedFor is the X-Forwarded-For value: the client's address,
	// after the chain of trusted proxies when there is one.
	ForwardedFor string
	// Upgrade lets a client's Upgrade header through (the route declares it).
	Upgrade bool
}

// Rewrite makes pr.Out the request the upstream replica at target
// receives: its address with the cleaned path the gateway authorised, the client's headers minus
// identity and forwarding headers, and out's headers.
func Rewrite(pr *httputil.ProxyRequest, target *url.URL, out Outgoing) {
	pr.SetURL(target)
	h := pr.Out.Header
	stripIdentity(h)
	h.Del("Expect") // the body was read already; nothing to wait for
	if !out.Upgrade {
		h.Del("Upgrade")
		h.Del("Connection")
	}
	h.Set("X-Request-Id", out.RequestID)
	h.Set("Traceparent", out.Traceparent)
	h.Set("X-Forwarded-For", out.ForwardedFor)
	h.Set("X-Forwarded-Proto", map[bool]string{false: "http", true: "https"}[pr.In.TLS != nil])
	neverReplay(pr.Out)
}

// neverReplay keeps the Pool and http.Transport from sending a request
// again when a reused connection fails after it was written: the Pool
// replays only a bodiless GET, HEAD or OPTIONS, the Transport also any
// bodiless method with an Idempotency-Key header, and neither a request
// with a body and no GetBody. A GET or HEAD may be replayed: it changes
// nothing.
func neverReplay(r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return
	}
	r.GetBody = nil
	if r.Body == nil || r.Body == http.NoBody {
		r.Body = io.NopCloser(strings.NewReader(""))
	}
}

// RefuseUpgrade is a ReverseProxy.ModifyResponse step for routes without
// upgrades: a 101 answer becomes ErrUpgradeRefused, which the error handler
// turns into a 502.
func RefuseUpgrade(res *http.Response) error {
	if res.StatusCode == http.StatusSwitchingProtocols {
		return ErrUpgradeRefused
	}
	return nil
}

// IsEventStream reports whether res is a Server-Sent Events stream, which
// has no end the gateway could wait for.
func IsEventStream(res *http.Response) bool {
	ct := res.Header.Get("Content-Type")
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/event-stream")
}

// endToEnd are the response headers that survive an upstream answer whose
// Connection header said "close". http.ReadResponse drops such a Connection
// header whole, and with it the names of the other hop-by-hop headers it
// listed, so ReverseProxy can no longer strip those: on such an answer,
// only these headers, which no sender lists in Connection, are passed on.
var endToEnd = map[string]bool{
	"Accept-Ranges": true, "Age": true, "Allow": true, "Cache-Control": true, "Content-Disposition": true,
	"Content-Encoding": true, "Content-Language": true, "Content-Length": true, "Content-Location": true,
	"Content-Range": true, "Content-Type": true, "Date": true, "Etag": true, "Expires": true,
	"Idempotent-Replayed": true, "Last-Modified": true, "Link": true, "Location": true, "Retry-After": true,
	"Traceparent": true, "Vary": true, "Www-Authenticate": true, "X-Request-Id": true,
	"Ratelimit-Limit": true, "Ratelimit-Remaining": true, "Ratelimit-Reset": true, "Ratelimit-Policy": true,
}

// KeepEndToEnd removes from the answer of a closing connection every
// header but the known end-to-end ones (see endToEnd).
func KeepEndToEnd(res *http.Response) {
	if !res.Close {
		return
	}
	for k := range res.Header {
		if !endToEnd[k] {
			delete(res.Header, k)
		}
	}
}

// Buffers is ReverseProxy's pool of copy buffers: without one it allocates
// 32 KiB for every answer it copies.
type Buffers struct{ pool sync.Pool }

// NewBuffers returns an empty pool of 32 KiB buffers.
func NewBuffers() *Buffers {
	return &Buffers{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

// Get returns a buffer.
func (b *Buffers) Get() []byte { return *b.pool.Get().(*[]byte) }

// Put returns buf to the pool.
func (b *Buffers) Put(buf []byte) { b.pool.Put(&buf) }
