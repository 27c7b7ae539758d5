package leader_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/testkit"
)

// wait bounds every poll; generous because the machine is shared.
const wait = 60 * time.Second

func TestMain(m *testing.M) { testkit.Main(m) }

// elector is what both elections offer.
type elector interface {
	Run(ctx context.Context, jobs ...leader.Job) error
	Leading() bool
}

// replica is one elector running a job that counts how many replicas run
// it at once.
type replica struct {
	e      elector
	cancel context.CancelFunc
	done   chan error
}

// start runs e with a job that adds itself to running while it runs and
// records in overlap whether it ever found another replica running.
func start(t *testing.T, e elector, running *atomic.Int32, overlap *atomic.Bool) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &replica{e: e, cancel: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- e.Run(ctx, func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			defer running.Add(-1)
			<-ctx.Done()
			return nil
		})
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the replica's Run and checks it returned nil.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("run: %v", err)
	}
	r.done <- nil // a second stop finds it stopped
}

// leaders returns the replicas leading now.
func leaders(rs ...*replica) []*replica {
	var out []*replica
	for _, r := range rs {
		if r.e.Leading() {
			out = append(out, r)
		}
	}
	return out
}

// oneLeads waits until exactly one of rs leads and runs the job, and
// returns it.
func oneLeads(t *testing.T, running *atomic.Int32, rs ...*replica) *replica {
	t.Helper()
	var l *replica
	testkit.EventuallyErr(t, wait, func() error {
		ls := leaders(rs...)
		if len(ls) != 1 || running.Load() != 1 {
			return errors.New("not exactly one leader running the job")
		}
		l = ls[0]
		return nil
	})
	return l
}

// errJob is returned by a job to stop the elector.
var errJob = errors.New("job failed")
