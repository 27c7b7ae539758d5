package ports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// sseWriteTimeout bounds one write to a stream's client: a client that
// reads nothing for this long is dropped, its goroutine freed.
const sseWriteTimeout = 10 * time.Second

// sseRetry is the reconnection delay the stream suggests to EventSource.
const sseRetry = 3 * time.Second

// sse writes a Server-Sent Events stream, flushing every message.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startSSE sends the stream's head: 200, the event-stream content type and
// the reconnection delay.
func startSSE(c echo.Context) (*sse, error) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// Asks nginx-like proxies in front of the gateway not to buffer it.
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	s := &sse{w: c.Response(), rc: http.NewResponseController(c.Response())}
	return s, s.write(fmt.Appendf(nil, "retry: %d\n\n", sseRetry.Milliseconds()))
}

// send writes one event named name with id (for Last-Event-ID) and data as JSON.
func (s *sse) send(id, name string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	var msg bytes.Buffer
	if id != "" {
		fmt.Fprintf(&msg, "id: %s\n", id)
	}
	fmt.Fprintf(&msg, "event: %s\ndata: %s\n\n", name, b)
	return s.write(msg.Bytes())
}

// heartbeat writes a comment, which EventSource ignores, so that proxies
// and the client see the connection alive while nothing happens.
func (s *sse) heartbeat() error { return s.write([]byte(": heartbeat\n\n")) }

func (s *sse) write(p []byte) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if _, err := s.w.Write(p); err != nil {
		return fmt.Errorf("write event stream: %w", err)
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flush event stream: %w", err)
	}
	return nil
}
