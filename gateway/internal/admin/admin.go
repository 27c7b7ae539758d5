// Package admin holds the handlers the gateway serves itself: the
// dead-letter queue, the breaker list and the event schema registry.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/balancer"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
)

// Breakers answers GET /api/v1/admin/breakers: the gateway's breaker per
// replica of each upstream, with the replica's readiness, then the
// breakers each service keeps for its own outgoing calls (order →
// inventory, payment → provider, notification → channel), read from every
// replica's /internal/breakers. A replica that does not answer is left
// out; the gateway's breaker for it already shows the trouble.
func Breakers(upstreams []*balancer.Upstream) echo.HandlerFunc {
	client := &http.Client{Timeout: time.Second}
	var replicas []*url.URL
	for _, up := range upstreams {
		for _, r := range up.Replicas {
			replicas = append(replicas, r.URL)
		}
	}
	return func(c echo.Context) error {
		var items []balancer.Status
		for _, up := range upstreams {
			items = append(items, up.Statuses()...)
		}
		items = append(items, serviceBreakers(c.Request().Context(), client, replicas)...)
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	}
}

// serviceBreakers asks every replica for its breakers at once.
func serviceBreakers(ctx context.Context, client *http.Client, replicas []*url.URL) []balancer.Status {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []balancer.Status
	for _, base := range replicas {
		wg.Go(func() {
			got := fetchBreakers(ctx, client, base)
			mu.Lock()
			out = append(out, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// fetchBreakers reads the breakers of the replica at base.
func fetchBreakers(ctx context.Context, client *http.Client, base *url.URL) []balancer.Status {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+"/internal/breakers", nil)
	if err != nil {
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var body struct {
		Items []balancer.Status `json:"items"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return nil
	}
	for i := range body.Items {
		body.Items[i].Replica = base.Host
	}
	return body.Items
}

// DLQ serves the dead-letter routes from the bus's DLQ stream.
type DLQ struct{ DL *bus.DeadLetters }

// List answers GET /api/v1/admin/dlq?service=&type=&limit=&cursor=: one
// page of the dead letters, oldest first. Ids are stream sequences, so a
// dead letter added while an admin pages comes after every cursor and shows
// on a later page, and none repeats.
func (d DLQ) List(c echo.Context) error {
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	f := bus.DLQFilter{Service: c.QueryParam("service"), Type: c.QueryParam("type"), Limit: req.Limit + 1}
	if req.After != nil {
		after, err := strconv.ParseUint(req.After[0], 10, 64)
		if len(req.After) != 1 || err != nil {
			return problem.BadRequest("cursor is not one this list returned")
		}
		f.After = after
	}
	items, err := d.DL.List(c.Request().Context(), f)
	if err != nil {
		return fmt.Errorf("list dead letters: %w", err)
	}
	items, next := page.Trim(items, req, func(dl bus.DeadLetter) []string {
		return []string{strconv.FormatUint(dl.ID, 10)}
	})
	return c.JSON(http.StatusOK, page.Of[bus.DeadLetter]{Items: items, NextCursor: next})
}

// Get answers GET /api/v1/admin/dlq/:id.
func (d DLQ) Get(c echo.Context) error {
	id, err := dlqID(c)
	if err != nil {
		return err
	}
	item, err := d.DL.Get(c.Request().Context(), id)
	if err != nil {
		return notFound(err)
	}
	return c.JSON(http.StatusOK, item)
}

// Replay answers POST /api/v1/admin/dlq/:id/replay.
func (d DLQ) Replay(c echo.Context) error { return act(c, d.DL.Replay) }

// Discard answers DELETE /api/v1/admin/dlq/:id.
func (d DLQ) Discard(c echo.Context) error { return act(c, d.DL.Discard) }

// act does what to the dead letter :id and answers 204.
func act(c echo.Context, what func(context.Context, uint64) error) error {
	id, err := dlqID(c)
	if err != nil {
		return err
	}
	if err := what(c.Request().Context(), id); err != nil {
		return notFound(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// notFound turns bus.ErrNotFound into a 404 problem and passes other errors on.
func notFound(err error) error {
	if errors.Is(err, bus.ErrNotFound) {
		return problem.NotFound(err.Error())
	}
	return err
}

func dlqID(c echo.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, problem.BadRequest("dead letter id must be a positive integer")
	}
	return id, nil
}

// Unavailable answers every request with a 503 problem saying why.
func Unavailable(detail string) echo.HandlerFunc {
	return func(echo.Context) error { return problem.Unavailable(detail, 0) }
}
