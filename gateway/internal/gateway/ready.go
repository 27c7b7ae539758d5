package gateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/gateway/internal/balancer"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/pkg/bus"
)

// readyTimeout bounds one upstream's readiness answer.
const readyTimeout = 2 * time.Second

// ready answers /readyz: 200 when every upstream has a replica whose
// /readyz says it is ready (and NATS is connected, when configured), 503 otherwise; the body
// names each dependency with "ok" or why it is not ready. An upstream's
// readiness, not its liveness: a service whose database is gone is alive
// but cannot serve.
func (g *Gateway) ready(b *bus.Bus) echo.HandlerFunc {
	client := &http.Client{Transport: g.transport, Timeout: readyTimeout}
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		status := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, name := range routes.Upstreams {
			wg.Go(func() {
				err := anyReady(ctx, client, g.upstreams[name])
				mu.Lock()
				defer mu.Unlock()
				status[name] = verdict(err)
			})
		}
		if b != nil {
			status["nats"] = verdict(b.Ready(ctx))
		}
		wg.Wait()
		code := http.StatusOK
		for _, v := range status {
			if v != "ok" {
				code = http.StatusServiceUnavailable
			}
		}
		return c.JSON(code, status)
	}
}

func verdict(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// anyReady asks every replica of up at once; nil when one of them is
// ready, else the first replica's reason.
func anyReady(ctx context.Context, client *http.Client, up *balancer.Upstream) error {
	errs := make([]error, len(up.Replicas))
	var wg sync.WaitGroup
	for i, r := range up.Replicas {
		wg.Go(func() { errs[i] = upstreamReady(ctx, client, r.URL.String()+"/readyz") })
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return errs[0]
}

func upstreamReady(ctx context.Context, client *http.Client, url string) error {
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
