package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/tools/invariants"
)

// Verdict is the checker's answer after the platform settled.
type Verdict struct {
	Report invariants.Report
	// Missing are accepted orders (202) that the order service does not hold.
	Missing []string
	// DeadLetters are dead letters other than the run's own poison.
	DeadLetters []string
	Lost        int
	Duplicated  int
	Stuck       int
	Settled     time.Duration // how long the platform took to pass, or the bound
}

// OK reports whether nothing was lost, duplicated or left stuck.
func (v Verdict) OK() bool { return v.Lost == 0 && v.Duplicated == 0 && v.Stuck == 0 }

// Check waits for the platform to settle — every invariant holds, the
// outboxes are drained and no unexpected dead letter is found — for at
// most within, and returns the last verdict. accepted are the ids of the
// orders the gateway accepted; baseline the stock before the load. Each
// check reads every store in full (FerretDB scans its whole collection),
// so checks grow apart, from 2 s to 30 s, to leave the platform the
// resources to settle; a check that fails to read a store is retried, and
// the last complete verdict stands if the bound passes meanwhile.
func Check(ctx context.Context, p *Platform, ev *Events, accepted []string, baseline map[string]int64, within time.Duration) (Verdict, error) {
	began := time.Now()
	deadline := began.Add(within)
	pause := 2 * time.Second
	var last *Verdict
	for {
		v, err := checkOnce(ctx, p, ev, accepted, baseline)
		v.Settled = time.Since(began)
		if err == nil {
			last = &v
		}
		done := time.Now().After(deadline)
		switch {
		case err == nil && (v.OK() || done):
			return v, nil
		case done && last != nil:
			return *last, nil
		case done:
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("check: %w", ctx.Err())
		case <-time.After(min(pause, time.Until(deadline)+time.Second)):
		}
		pause = min(pause*2, 30*time.Second)
	}
}

func checkOnce(ctx context.Context, p *Platform, ev *Events, accepted []string, baseline map[string]int64) (Verdict, error) {
	var v Verdict
	var err error
	if v.Report, err = invariants.Check(ctx, p.Sources, invariants.Options{Baseline: baseline}); err != nil {
		return v, err
	}
	if v.Missing, err = missingOrders(ctx, p, accepted); err != nil {
		return v, err
	}
	if v.DeadLetters, err = ev.UnexpectedDeadLetters(ctx); err != nil {
		return v, err
	}
	v.Lost = v.Report.Count(invariants.Lost) + len(v.Missing) + len(v.DeadLetters)
	v.Duplicated = v.Report.Count(invariants.Duplicated)
	v.Stuck = v.Report.Count(invariants.Stuck)
	return v, nil
}

// missingOrders returns the accepted ids the order database lacks.
func missingOrders(ctx context.Context, p *Platform, accepted []string) ([]string, error) {
	rows, err := p.Sources.Order.Query(ctx,
		`SELECT a FROM unnest($1::text[]) AS a WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id::text = a)`, accepted)
	if err != nil {
		return nil, fmt.Errorf("look up accepted orders: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up accepted orders: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Reasons counts the cancelled and rejected orders by their reason, so a
// report shows why sagas did not confirm (declined cards and timeouts are
// expected; a run without faults has few others).
func Reasons(ctx context.Context, p *Platform) (map[string]int, error) {
	rows, err := p.Sources.Order.Query(ctx,
		`SELECT status || ': ' || reason, count(*) FROM orders WHERE status IN ('CANCELLED', 'REJECTED') GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("read reasons: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			return nil, fmt.Errorf("read reasons: %w", err)
		}
		out[reason] = n
	}
	return out, rows.Err()
}
