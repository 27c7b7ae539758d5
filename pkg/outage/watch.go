package outage

import (
	"log/slog"
	"sync"
	"time"
)

// Watch follows one dependency's availability as seen by one part of a
// service, so that an outage is logged twice, when it starts and when it
// ends, however many attempts fail in between, and so that those attempts
// back off. It is safe for concurrent use.
type Watch struct {
	log     *slog.Logger
	what    string
	backoff Backoff

	mu       sync.Mutex
	failures uint64
	since    time.Time
}

// NewWatch returns a Watch of the dependency what (say "database"), logging
// to log and backing off by b.
func NewWatch(log *slog.Logger, what string, b Backoff) *Watch {
	if log == nil {
		log = slog.Default()
	}
	return &Watch{log: log, what: what, backoff: b}
}

// Failed records a failed attempt and returns how long to wait before the
// next. The first failure of an outage is logged as its start; an error that
// is not an outage (Is) is logged every time, since it is not expected to
// repeat.
func (w *Watch) Failed(err error) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures++
	switch {
	case !Is(err):
		w.log.Warn(w.what+" failed", "error", err, "attempt", w.failures)
	case w.failures == 1 || w.since.IsZero():
		w.since = time.Now()
		w.log.Warn(w.what+" unavailable, waiting for it", "error", err)
	}
	return w.backoff.Delay(w.failures)
}

// Succeeded records a successful attempt; the first after an outage is
// logged as its end, with how long it lasted.
func (w *Watch) Succeeded() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.since.IsZero() {
		w.log.Info(w.what+" available again", "outage", time.Since(w.since).Round(time.Millisecond))
	}
	w.failures, w.since = 0, time.Time{}
}

// Down reports whether the last attempt failed.
func (w *Watch) Down() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failures > 0
}
