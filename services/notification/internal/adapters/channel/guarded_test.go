package channel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/services/notification/internal/adapters/channel"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
)

// endpoint answers status to every request and counts them.
func endpoint(t *testing.T, status int) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

func TestGuardedWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		wantErr   bool
		wantCalls int32
		wantState gobreaker.State
	}{
		{"success", http.StatusOK, false, 1, gobreaker.StateClosed},
		{"server error retried and trips", http.StatusInternalServerError, true, 2, gobreaker.StateOpen},
		{"refusal neither retried nor counted", http.StatusBadRequest, true, 1, gobreaker.StateClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, calls := endpoint(t, tc.status)
			g := channel.Guard(channel.Webhook{URL: url}, channel.GuardConfig{Attempts: 2, Backoff: time.Millisecond, TripAfter: 2, OpenFor: time.Hour})
			err := g.Send(t.Context(), command.Message{NotificationID: "n-1"})
			if (err != nil) != tc.wantErr || errors.Is(err, command.ErrChannelOpen) {
				t.Errorf("Send = %v, want error %v", err, tc.wantErr)
			}
			if got := calls.Load(); got != tc.wantCalls {
				t.Errorf("calls = %d, want %d", got, tc.wantCalls)
			}
			if g.State() != tc.wantState {
				t.Errorf("breaker %s, want %s", g.State(), tc.wantState)
			}
		})
	}
}

func TestOpenBreakerRefusesWithoutCalling(t *testing.T) {
	t.Parallel()
	url, calls := endpoint(t, http.StatusBadGateway)
	g := channel.Guard(channel.Webhook{URL: url}, channel.GuardConfig{Attempts: 1, TripAfter: 1, OpenFor: time.Hour})
	_ = g.Send(t.Context(), command.Message{})
	if err := g.Send(t.Context(), command.Message{}); !errors.Is(err, command.ErrChannelOpen) {
		t.Errorf("Send with open breaker = %v, want ErrChannelOpen", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

func TestCancelledCallerDoesNotTrip(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	g := channel.Guard(channel.Webhook{URL: srv.URL}, channel.GuardConfig{Attempts: 3, TripAfter: 1, OpenFor: time.Hour})
	for range 3 {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- g.Send(ctx, command.Message{}) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v, want context.Canceled", err)
		}
	}
	if g.State() != gobreaker.StateClosed {
		t.Errorf("breaker %s after cancelled callers, want closed", g.State())
	}
}
