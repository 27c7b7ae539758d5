package outage_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/eventshop/eventshop/pkg/outage"
)

// TestWatchLogsAnOutageOnceAtEachEnd fails a watch many times with an
// outage, then succeeds, and checks the log has one line for the start and
// one for the end.
func TestWatchLogsAnOutageOnceAtEachEnd(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	w := outage.NewWatch(slog.New(slog.NewTextHandler(&buf, nil)), "database", outage.Backoff{})
	refused := fmt.Errorf("connect: %w", syscall.ECONNREFUSED)
	for range 50 {
		w.Failed(refused)
	}
	if !w.Down() {
		t.Error("Down() = false after failures")
	}
	w.Succeeded()
	w.Succeeded()
	if w.Down() {
		t.Error("Down() = true after a success")
	}
	logs := buf.String()
	for _, line := range []string{"database unavailable, waiting for it", "database available again"} {
		if n := strings.Count(logs, line); n != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", line, n, logs)
		}
	}
}

// TestWatchLogsEveryFailureThatIsNotAnOutage checks that errors that are not
// outages are not hidden behind the once-per-outage rule.
func TestWatchLogsEveryFailureThatIsNotAnOutage(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	w := outage.NewWatch(slog.New(slog.NewTextHandler(&buf, nil)), "migrations", outage.Backoff{})
	for range 3 {
		w.Failed(errors.New("syntax error"))
	}
	if n := strings.Count(buf.String(), "migrations failed"); n != 3 {
		t.Errorf("logged %d failures, want 3:\n%s", n, buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
