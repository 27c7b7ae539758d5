package load

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// recording is an http.RoundTripper that puts every request of the
// operations on the timeline: its latency until the body is read and
// closed, and whether it failed (no answer, a 5xx or a 429). It sits below
// the API client, so any operation, a future streaming follower included,
// is measured the same way without knowing it.
type recording struct {
	base http.RoundTripper
	tl   *Timeline
}

var _ http.RoundTripper = recording{}

func (t recording) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		now := time.Now()
		t.tl.Request(now, now.Sub(start), true)
		return nil, err
	}
	failed := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	resp.Body = &recordedBody{ReadCloser: resp.Body, done: func() {
		now := time.Now()
		t.tl.Request(now, now.Sub(start), failed)
	}}
	return resp, nil
}

// recordedBody reports once, when the body is closed.
type recordedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *recordedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// defaultHTTP is a client sized for load: keep-alive pools as large as the
// operations in flight, so connections are reused instead of churned.
func defaultHTTP(maxInFlight int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxInFlight
	t.MaxIdleConnsPerHost = maxInFlight
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}
