package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// longAgo is a deadline in the past, which makes pending I/O fail at once.
var longAgo = time.Unix(1, 0)

// errShortBody is returned when the client's body ended before its Content-Length.
var errShortBody = errors.New("request body shorter than its content length")

// roundTrip sends r over a pooled HTTP/1.1 connection and reads the response
// head. The deadline bounds the whole exchange, body included, without the
// timers and goroutines a context-based transport needs. A request without a
// body that fails on a reused connection is retried once on a new one: the
// upstream may have closed the idle connection just as we picked it.
// When ctx (the client's) ends first, the connection's deadline is moved to
// the past, which aborts the exchange at once.
func (p *Proxy) roundTrip(ctx context.Context, r *http.Request, up *Upstream, deadline time.Time, requestID, traceparent string) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		pc, reused, err := up.pool.get()
		if err != nil {
			return nil, err
		}
		if reused && r.ContentLength > 0 && !pc.alive() {
			_ = pc.conn.Close()
			continue
		}
		// The deadline is set before the cancellation hook, which may fire at
		// once and must not be overwritten.
		if err := pc.conn.SetDeadline(deadline); err != nil {
			_ = pc.conn.Close()
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { _ = pc.conn.SetDeadline(longAgo) })
		resp, err := p.exchange(pc, r, up.host, requestID, traceparent)
		if err == nil {
			resp.Body = &pooledBody{rc: resp.Body, pc: pc, pool: up.pool, keep: !resp.Close, stop: stop}
			return resp, nil
		}
		stop()
		_ = pc.conn.Close()
		if !reused || attempt > 0 || r.ContentLength > 0 || isTimeout(err) {
			return nil, err
		}
	}
}

func (p *Proxy) exchange(pc *pconn, r *http.Request, host, requestID, traceparent string) (*http.Response, error) {
	writeHead(pc.bw, r, host, requestID, traceparent)
	if r.ContentLength > 0 {
		n, err := pc.bw.ReadFrom(io.LimitReader(r.Body, r.ContentLength))
		if err != nil {
			return nil, fmt.Errorf("send body: %w", err)
		}
		if n != r.ContentLength {
			return nil, errShortBody
		}
	}
	if err := pc.bw.Flush(); err != nil {
		return nil, err
	}
	return http.ReadResponse(pc.br, r)
}

// writeHead writes the request line and the forwarded headers (see Header).
func writeHead(w *bufio.Writer, r *http.Request, host, requestID, traceparent string) {
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	w.WriteString(r.Method)
	w.WriteByte(' ')
	w.WriteString(target)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	conn := r.Header["Connection"]
	for k, vv := range r.Header {
		if !forwardable(k, conn) {
			continue
		}
		for _, v := range vv {
			writeField(w, k, v)
		}
	}
	if r.ContentLength > 0 || (r.ContentLength == 0 && r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeField(w, "Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	writeField(w, "X-Request-Id", requestID)
	writeField(w, "Traceparent", traceparent)
	writeForwarded(w, r)
	w.WriteString("\r\n")
}

func writeForwarded(w *bufio.Writer, r *http.Request) {
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		w.WriteString("X-Forwarded-For: ")
		for _, prior := range r.Header["X-Forwarded-For"] {
			w.WriteString(prior)
			w.WriteString(", ")
		}
		w.WriteString(ip)
		w.WriteString("\r\n")
	}
	writeField(w, "X-Forwarded-Host", r.Host)
	if r.TLS != nil {
		writeField(w, "X-Forwarded-Proto", "https")
	} else {
		writeField(w, "X-Forwarded-Proto", "http")
	}
}

func writeField(w *bufio.Writer, k, v string) {
	w.WriteString(k)
	w.WriteString(": ")
	w.WriteString(v)
	w.WriteString("\r\n")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
