package ports_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/adapters/livefeed"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/testkit"
)

// streamWait bounds every wait for a streamed event.
const streamWait = 30 * time.Second

// streamEnv is a saga environment whose HTTP API, served on a real
// listener, includes the live event streams.
type streamEnv struct {
	*sagaEnv
	url      string
	draining chan struct{}
}

func newStreamEnv(t *testing.T, opts ports.StreamOptions) *streamEnv {
	t.Helper()
	e := newSagaEnv(t)
	verifier, err := auth.NewVerifier(context.Background(), authConfig)
	if err != nil {
		t.Fatal(err)
	}
	feed := livefeed.New(e.bus.Conn())
	follow := func(subjects []string, buffer int, keep func(event.Event) bool) (ports.Follower, error) {
		fl, err := feed.Follow(subjects, buffer, keep)
		if err != nil {
			return nil, err
		}
		return fl, nil
	}
	draining := make(chan struct{})
	srv := httpserver.New(quiet, "order")
	ports.NewStreams(e.app, follow, draining, quiet, opts).Register(srv.Echo, verifier)
	hs := httptest.NewServer(srv.Echo)
	t.Cleanup(hs.Close)
	return &streamEnv{sagaEnv: e, url: hs.URL, draining: draining}
}

// sse is one received Server-Sent Event.
type sse struct{ ID, Name, Data string }

// openStream GETs path as user with extra headers; for a 200 it returns
// the events as they are parsed, and the channel closes when the stream ends.
func (e *streamEnv) openStream(t *testing.T, user, path string, headers ...string) (*http.Response, <-chan sse) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.issuer.Token(user)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	events := make(chan sse, 256)
	if res.StatusCode != http.StatusOK {
		close(events)
		return res, events
	}
	go readSSE(res.Body, events)
	return res, events
}

func readSSE(body io.Reader, out chan<- sse) {
	defer close(out)
	sc := bufio.NewScanner(body)
	var ev sse
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "":
			if ev.Data != "" {
				out <- ev
			}
			ev = sse{}
		case strings.HasPrefix(line, "id: "):
			ev.ID = line[len("id: "):]
		case strings.HasPrefix(line, "event: "):
			ev.Name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.Data += line[len("data: "):]
		}
	}
}

// nextEvent waits for the stream's next event.
func nextEvent(t *testing.T, events <-chan sse) sse {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(streamWait):
		t.Fatalf("no event within %s", streamWait)
	}
	return sse{}
}

func field(t *testing.T, ev sse, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
		t.Fatalf("event %+v: %v", ev, err)
	}
	s, _ := m[name].(string)
	return s
}

// TestOrderStreamResumesAfterLastEventID resumes a stream after the order's
// first event: the history sent is what came after it, and what happens
// next arrives live, the order's status with it.
func TestOrderStreamResumesAfterLastEventID(t *testing.T) {
	t.Parallel()
	e := newStreamEnv(t, ports.StreamOptions{})
	p := e.place(t, "alice")
	reserved := newEvent(t, "inventory", schemas.TypeInventoryReservedV1, p.ID, schemas.InventoryReservedV1{
		OrderID: p.ID, CustomerID: "alice", Items: []schemas.Line{{SKU: "SKU-A", Quantity: 2}, {SKU: "SKU-B", Quantity: 1}},
		TotalCents: p.TotalCents, Currency: "EUR", PaymentMethod: "tok_visa",
	})
	if err := e.bus.Publish(context.Background(), reserved); err != nil {
		t.Fatal(err)
	}
	var history timeline
	testkit.Eventually(t, streamWait, func() bool {
		history = timeline{}
		e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+p.ID+"/timeline", nil).decode(t, &history)
		return len(history.Events) == 2
	}, "placed and reserved in the timeline")

	res, events := e.openStream(t, "alice", "/api/v1/orders/"+p.ID+"/events", "Last-Event-ID", history.Events[0].ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	if ev := nextEvent(t, events); ev.Name != "status" || field(t, ev, "status") != "PENDING" {
		t.Fatalf("first event %+v, want status PENDING", ev)
	}
	if ev := nextEvent(t, events); ev.Name != "timeline" || ev.ID != reserved.ID {
		t.Fatalf("second event %+v, want the reserved entry, the one after Last-Event-ID", ev)
	}
	authorised := newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, p.ID,
		schemas.PaymentAuthorisedV1{OrderID: p.ID, PaymentID: "pay-1", AmountCents: p.TotalCents, Currency: "EUR"})
	if err := e.bus.Publish(context.Background(), authorised); err != nil {
		t.Fatal(err)
	}
	var got []string
	for !strings.Contains(strings.Join(got, " "), "status:CONFIRMED") {
		ev := nextEvent(t, events)
		got = append(got, ev.Name+":"+field(t, ev, "type")+field(t, ev, "status"))
	}
	want := []string{"timeline:" + schemas.TypePaymentAuthorisedV1, "timeline:" + schemas.TypeOrderConfirmedV1, "status:CONFIRMED"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("live events %v, want %v", got, want)
	}
}

// TestStreamsAreCapped opens as many streams as allowed; the next is
// refused with 503 and Retry-After until one closes.
func TestStreamsAreCapped(t *testing.T) {
	t.Parallel()
	e := newStreamEnv(t, ports.StreamOptions{MaxStreams: 1})
	first, _ := e.openStream(t, "admin", "/api/v1/admin/events")
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first stream: %d", first.StatusCode)
	}
	second, _ := e.openStream(t, "admin", "/api/v1/admin/events")
	if second.StatusCode != http.StatusServiceUnavailable || second.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream: %d, Retry-After %q; want 503 with Retry-After", second.StatusCode, second.Header.Get("Retry-After"))
	}
	first.Body.Close()
	testkit.Eventually(t, streamWait, func() bool {
		res, _ := e.openStream(t, "admin", "/api/v1/admin/events")
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, "a stream admitted once the first closed")
}

// TestDrainingEndsStreams checks that a graceful shutdown does not wait for
// open streams: they end when the server drains.
func TestDrainingEndsStreams(t *testing.T) {
	t.Parallel()
	e := newStreamEnv(t, ports.StreamOptions{})
	res, events := e.openStream(t, "admin", "/api/v1/admin/events")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	close(e.draining)
	select {
	case _, open := <-events:
		if open {
			t.Fatal("an event instead of the end of the stream")
		}
	case <-time.After(streamWait):
		t.Fatal("the stream outlived the drain")
	}
}

// TestSlowFollowerOverflows fills a follower's buffer without reading it:
// it is marked overflowed, and holds no more than its buffer.
func TestSlowFollowerOverflows(t *testing.T) {
	t.Parallel()
	e := newSagaEnv(t)
	fl, err := livefeed.New(e.bus.Conn()).Follow([]string{"inventory.>"}, 2, func(event.Event) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	for i := range 5 {
		ev := newEvent(t, "inventory", schemas.TypeInventoryStockChangedV1, "SKU-A",
			schemas.InventoryStockChangedV1{SKU: "SKU-A", Available: int64(i)})
		if err := e.bus.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-fl.Overflowed():
	case <-time.After(streamWait):
		t.Fatal("five events in a buffer of two did not overflow it")
	}
	if n := len(fl.Events()); n != 2 {
		t.Errorf("buffer holds %d events, want 2", n)
	}
}
