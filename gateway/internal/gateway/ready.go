package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/balancer"
	"github.com/eventshop/eventshop/pkg/bus"
)

// readyTimeout bounds one round of readiness probes; defaultProbeInterval
// is config.ProbeInterval's default.
const (
	readyTimeout         = 2 * time.Second
	defaultProbeInterval = time.Second
)

// probeClient asks the replicas' /readyz.
func (g *Gateway) probeClient() *http.Client {
	return &http.Client{Transport: g.transport, Timeout: readyTimeout}
}

// ready answers /readyz: 200 when every upstream has a replica whose
// /readyz says it is ready (and NATS is connected, when configured), 503
// otherwise; the body names each dependency with "ok" or why it is not
// ready, and each replica of an upstream with several ("order
// 10.0.0.7:8081") the same way. Each replica's answer also marks it ready
// or down for routing.
func (g *Gateway) ready(b *bus.Bus) echo.HandlerFunc {
	client := g.probeClient()
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		status, code := map[string]string{}, http.StatusOK
		var mu sync.Mutex
		var wg sync.WaitGroup
		record := func(name string, err error, counts bool) {
			mu.Lock()
			defer mu.Unlock()
			status[name] = verdict(err)
			if err != nil && counts {
				code = http.StatusServiceUnavailable
			}
		}
		for _, up := range g.upstreams {
			wg.Go(func() {
				errs := up.Probe(ctx, client)
				record(up.Name, balancer.Ready(errs), true)
				for i, r := range up.Replicas {
					if len(errs) > 1 {
						record(up.Name+" "+r.URL.Host, errs[i], false)
					}
				}
			})
		}
		if b != nil {
			record("nats", b.Ready(ctx), true)
		}
		wg.Wait()
		return c.JSON(code, status)
	}
}

func verdict(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}
