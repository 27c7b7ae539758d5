package leader_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/testkit"
)

// retry keeps the tests' takeovers quick.
const retry = 100 * time.Millisecond

func pool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(t.Context(), testkit.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestPostgresElectsOneAndHandsOver runs three replicas: exactly one runs
// the job at any time, and when the leader stops another takes over.
func TestPostgresElectsOneAndHandsOver(t *testing.T) {
	p := pool(t)
	var running atomic.Int32
	var overlap atomic.Bool
	rs := make([]*replica, 3)
	for i := range rs {
		rs[i] = start(t, leader.NewPostgres(p, "sweeps", retry, nil), &running, &overlap)
	}
	first := oneLeads(t, &running, rs...)
	first.stop(t)
	second := oneLeads(t, &running, rs...)
	if second == first {
		t.Fatal("the stopped replica still leads")
	}
	if overlap.Load() {
		t.Error("two replicas ran the job at once")
	}
}

// TestPostgresTakeoverWhenLeaderSessionDies ends the leader's session from
// the server, as a killed process's would end: another replica takes over
// and the old leader stops its job.
func TestPostgresTakeoverWhenLeaderSessionDies(t *testing.T) {
	p := pool(t)
	var running atomic.Int32
	var overlap atomic.Bool
	a := start(t, leader.NewPostgres(p, "sweeps", retry, nil), &running, &overlap)
	b := start(t, leader.NewPostgres(p, "sweeps", retry, nil), &running, &overlap)
	first := oneLeads(t, &running, a, b)
	// The lock holder is the only session holding an advisory lock.
	_, err := p.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return !first.e.Leading() }, "the old leader never noticed")
	oneLeads(t, &running, a, b)
}

// TestPostgresNamesElectSeparately checks that elections of two names do
// not exclude each other.
func TestPostgresNamesElectSeparately(t *testing.T) {
	p := pool(t)
	var running, others atomic.Int32
	var overlap atomic.Bool
	a := start(t, leader.NewPostgres(p, "sweeps", retry, nil), &running, &overlap)
	b := start(t, leader.NewPostgres(p, "other", retry, nil), &others, &overlap)
	testkit.Eventually(t, wait, func() bool { return a.e.Leading() && b.e.Leading() }, "both names lead")
}

// TestPostgresJobErrorStopsRun checks that Run returns a job's error.
func TestPostgresJobErrorStopsRun(t *testing.T) {
	e := leader.NewPostgres(pool(t), "sweeps", retry, nil)
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	err := e.Run(ctx, func(context.Context) error { return errJob })
	if !errors.Is(err, errJob) {
		t.Fatalf("Run returned %v, want %v", err, errJob)
	}
}
