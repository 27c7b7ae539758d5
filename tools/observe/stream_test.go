package observe_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one Server-Sent Event as a client receives it.
type sseEvent struct {
	ID, Name, Data string
}

// stream is an open event stream read in the background.
type stream struct {
	events chan sseEvent
	done   chan struct{} // closed when the stream ended
}

// openStream GETs path through the gateway as user and, when the answer is
// an event stream, reads it until the test ends. It returns the answer's
// status, and the stream only for a 200.
func openStream(t *testing.T, user, path string) (int, *stream) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, platform.stack.URL("gateway")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+platform.users[user].Token)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req) // no client timeout: a stream has no end
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Logf("GET %s: %d %s", path, res.StatusCode, body)
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET %s: content type %q, want text/event-stream", path, ct)
	}
	s := &stream{events: make(chan sseEvent, 1024), done: make(chan struct{})}
	go s.read(res.Body)
	t.Cleanup(func() { res.Body.Close() })
	return res.StatusCode, s
}

// read parses the stream's events as EventSource does.
func (s *stream) read(body io.Reader) {
	defer close(s.done)
	sc := bufio.NewScanner(body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Data != "" {
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// next returns the next event of the stream, failing the test when none
// comes within wait or the stream ends.
func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-s.done:
		select {
		case ev := <-s.events:
			return ev
		default:
		}
		t.Fatal("the event stream ended")
	case <-time.After(wait):
		t.Fatalf("no event within %s", wait)
	}
	return sseEvent{}
}

// until reads events until one satisfies stop, and returns every event read.
func (s *stream) until(t *testing.T, stop func(sseEvent) bool) []sseEvent {
	t.Helper()
	var seen []sseEvent
	for {
		ev := s.next(t)
		seen = append(seen, ev)
		if stop(ev) {
			return seen
		}
	}
}

// decode unmarshals an event's data.
func decode[T any](t *testing.T, ev sseEvent) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		t.Fatalf("event %s data %q: %v", ev.Name, ev.Data, err)
	}
	return v
}
