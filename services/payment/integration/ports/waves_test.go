package ports_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
	"github.com/eventshop/eventshop/testkit"
)

// slowCard is a provider that holds the authorisation of one order until
// the test releases it, and agrees to every other call at once.
type slowCard struct {
	*provider
	slowKey string        // the idempotency key of the held authorisation
	release chan struct{} // closed by the test
}

func (p *slowCard) Authorise(ctx context.Context, req command.AuthoriseRequest) (string, error) {
	if req.IdempotencyKey == p.slowKey {
		select {
		case <-p.release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return p.provider.Authorise(ctx, req)
}

// TestBatchRecordsEachOutcomeWithoutWaitingForTheSlowest checks that the
// orders of a batch whose provider calls answered are authorised (stored,
// with their events) while another order of the same batch still waits
// for the provider: a slow card holds up its own order, not its batch.
func TestBatchRecordsEachOutcomeWithoutWaitingForTheSlowest(t *testing.T) {
	t.Parallel()
	h := newSagaHarness(t)
	fast, slow := []string{newID(), newID(), newID()}, newID()
	held := &slowCard{provider: h.provider, slowKey: "authorize:" + slow, release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(held.release) })
	t.Cleanup(release) // a failed test does not leave the batch waiting
	h.saga = newSaga(h.sagaPool, held)

	msgs := []bus.Message{h.reserved(fast[0], 100), h.reserved(slow, 400), h.reserved(fast[1], 200), h.reserved(fast[2], 300)}
	done := make(chan []error, 1)
	go func() { done <- h.saga.Reserved(context.WithoutCancel(t.Context()), msgs) }()

	testkit.Eventually(t, 30*time.Second, func() bool {
		for _, id := range fast {
			if h.status(id) != domain.StatusAuthorised {
				return false
			}
		}
		return true
	}, "the answered orders authorised while the slow card is held")
	if got := h.status(slow); got != "" {
		t.Fatalf("slow order's payment = %q before the provider answered, want none", got)
	}
	release()
	if errs := <-done; errors.Join(errs...) != nil {
		t.Fatalf("reserved: %v", errs)
	}
	if got := h.status(slow); got != domain.StatusAuthorised {
		t.Errorf("slow order's payment = %q once the provider answered, want %q", got, domain.StatusAuthorised)
	}
}
