package proxy

import (
	"bufio"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// roundTrip sends req over a pooled HTTP/1.1 connection and reads the whole
// response into resp. The deadline bounds the exchange without the timers
// and goroutines a context-based transport needs. A request without a body
// that fails on a reused connection is retried once on a new one: the
// upstream may have closed the idle connection just as we picked it.
func (p *Proxy) roundTrip(req *fasthttp.Request, resp *fasthttp.Response, up *Upstream, deadline time.Time, out *Outgoing, c *Cancel) error {
	for attempt := 0; ; attempt++ {
		pc, reused, err := up.pool.get()
		if err != nil {
			return err
		}
		// The deadline is set before the connection is handed to c, whose
		// Cancel moves it to the past and must not be overwritten, and
		// before alive, which a passed deadline would fool.
		if err := pc.conn.SetDeadline(deadline); err != nil {
			_ = pc.conn.Close()
			return err
		}
		if reused && len(out.Body) > 0 && !pc.alive() {
			_ = pc.conn.Close()
			continue
		}
		if !c.attach(pc.conn) {
			_ = pc.conn.Close()
			return ErrClientGone
		}
		err = exchange(pc, req, resp, up.host, out)
		c.detach()
		if err == nil {
			keep := !resp.ConnectionClose()
			stripHopByHop(&resp.Header)
			if keep {
				up.pool.put(pc)
			} else {
				_ = pc.conn.Close()
			}
			return nil
		}
		_ = pc.conn.Close()
		if !reused || attempt > 0 || len(out.Body) > 0 || isTimeout(err) || c.Cancelled() {
			return err
		}
	}
}

func exchange(pc *pconn, req *fasthttp.Request, resp *fasthttp.Response, host string, out *Outgoing) error {
	writeHead(pc.bw, req, host, out)
	if len(out.Body) > 0 {
		_, _ = pc.bw.Write(out.Body)
	}
	if err := pc.bw.Flush(); err != nil {
		return err
	}
	resp.SkipBody = req.Header.IsHead()
	return resp.Read(pc.br)
}

// writeHead writes the request line and the forwarded headers (see
// Forwardable), in the order the client sent them.
func writeHead(w *bufio.Writer, req *fasthttp.Request, host string, out *Outgoing) {
	h := &req.Header
	_, _ = w.Write(h.Method())
	_ = w.WriteByte(' ')
	_, _ = w.Write(target(req))
	_, _ = w.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = w.WriteString(host)
	_, _ = w.WriteString("\r\n")
	conn := h.PeekAll(fasthttp.HeaderConnection)
	for k, v := range h.AllInOrder() {
		if Forwardable(k, conn) {
			writeField(w, k, v)
		}
	}
	if len(out.Body) > 0 || (!h.IsGet() && !h.IsHead()) {
		_, _ = w.WriteString("Content-Length: ")
		_, _ = w.Write(strconv.AppendInt(w.AvailableBuffer(), int64(len(out.Body)), 10))
		_, _ = w.WriteString("\r\n")
	}
	writeString(w, "X-Request-Id", out.RequestID)
	writeString(w, "Traceparent", out.Traceparent)
	writeForwarded(w, req, out)
	_, _ = w.WriteString("\r\n")
}

// target is the request target as the client sent it, in origin form.
func target(req *fasthttp.Request) []byte {
	if uri := req.Header.RequestURI(); len(uri) > 0 && uri[0] == '/' {
		return uri
	}
	return req.URI().RequestURI()
}

func writeForwarded(w *bufio.Writer, req *fasthttp.Request, out *Outgoing) {
	if out.ClientIP != "" {
		_, _ = w.WriteString("X-Forwarded-For: ")
		for _, prior := range req.Header.PeekAll("X-Forwarded-For") {
			_, _ = w.Write(prior)
			_, _ = w.WriteString(", ")
		}
		_, _ = w.WriteString(out.ClientIP)
		_, _ = w.WriteString("\r\n")
	}
	_, _ = w.WriteString("X-Forwarded-Host: ")
	_, _ = w.Write(req.Header.Host())
	_, _ = w.WriteString("\r\n")
	if out.TLS {
		writeString(w, "X-Forwarded-Proto", "https")
	} else {
		writeString(w, "X-Forwarded-Proto", "http")
	}
}

func writeString(w *bufio.Writer, k, v string) {
	_, _ = w.WriteString(k)
	_, _ = w.WriteString(": ")
	_, _ = w.WriteString(v)
	_, _ = w.WriteString("\r\n")
}

func writeField(w *bufio.Writer, k, v []byte) {
	_, _ = w.Write(k)
	_, _ = w.WriteString(": ")
	_, _ = w.Write(v)
	_, _ = w.WriteString("\r\n")
}
