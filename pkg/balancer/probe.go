package balancer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Probe asks every replica's /readyz at once, marks each ready or down,
// and returns each one's reason not to be ready (nil when it is), in the
// order of Replicas. A service's readiness, not its liveness: one whose
// database is gone is alive but cannot serve.
func (u *Upstream) Probe(ctx context.Context, client *http.Client) []error {
	errs := make([]error, len(u.Replicas))
	var wg sync.WaitGroup
	for i, r := range u.Replicas {
		wg.Go(func() {
			errs[i] = probe(ctx, client, r.URL.String()+"/readyz")
			if !errors.Is(ctx.Err(), context.Canceled) { // a caller that left says nothing of r
				u.setReady(r, errs[i])
			}
		})
	}
	wg.Wait()
	return errs
}

// Ready is nil when one of errs, a Probe's answer, is nil, else the first.
func Ready(errs []error) error {
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return errs[0]
}

func probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("unreachable: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: readyz status %d", resp.StatusCode)
	}
	return nil
}

// setReady marks r ready (err nil) or down, logging the change. A replica
// that comes back gets a closed breaker (breaker.reset).
func (u *Upstream) setReady(r *Replica, err error) {
	ready := err == nil
	if r.ready.Swap(ready) == ready {
		return
	}
	if ready {
		setGauge(r.gauge, 1)
		u.log.Info("upstream replica ready", "upstream", u.Name, "replica", r.URL.Host)
		r.breaker.reset()
		return
	}
	setGauge(r.gauge, 0)
	u.forget(r.URL.Host)
	u.log.Warn("upstream replica down", "upstream", u.Name, "replica", r.URL.Host, "error", err)
}

// Watch probes the replicas of every upstream in ups that has more than
// one, every interval until stop is closed, each round within timeout. An
// upstream with one replica is probed only while it is down: that replica
// gets every request whatever a probe says, but its probe answering is
// what closes its breaker early.
func Watch(stop <-chan struct{}, interval, timeout time.Duration, client *http.Client, ups []*Upstream) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		var wg sync.WaitGroup
		for _, u := range ups {
			if len(u.Replicas) > 1 || !u.Replicas[0].ready.Load() {
				wg.Go(func() { _ = u.Probe(ctx, client) })
			}
		}
		wg.Wait()
		cancel()
	}
}
