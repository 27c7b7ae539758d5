package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/pkg/outage"

	"github.com/eventshop/eventshop/services/payment/internal/app/command"
)

var (
	// errCallerGone marks an attempt abandoned because the caller's context
	// ended; the breaker ignores it.
	errCallerGone = errors.New("caller gave up")
	// errServer marks a 5xx answer, a breaker failure worth retrying.
	errServer = errors.New("provider server error")
)

// response is one answer of the provider below 500.
type response struct {
	status int
	body   []byte
}

// call sends one request through the breaker, retrying transient failures
// (5xx, timeouts, connection errors) up to Attempts times with backoff. It
// returns the first answer below 500, command.ErrProviderTimeout or
// command.ErrProviderUnavailable when attempts run out or the breaker is open,
// or the caller's context error.
func (c *Client) call(ctx context.Context, method, path string, body any) (response, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return response{}, fmt.Errorf("encode request: %w", err)
	}
	var last error
	for attempt := range c.cfg.Attempts {
		if attempt > 0 && !pause(ctx, c.cfg.Backoff<<(attempt-1)) {
			return response{}, ctx.Err()
		}
		res, err := c.breaker.Execute(func() (response, error) { return c.once(ctx, method, path, payload) })
		switch {
		case err == nil:
			return res, nil
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			return response{}, fmt.Errorf("%w: %w", command.ErrProviderUnavailable, err)
		case errors.Is(err, errCallerGone):
			return response{}, ctx.Err()
		}
		last = err
	}
	if errors.Is(last, context.DeadlineExceeded) {
		return response{}, fmt.Errorf("%w: %w", command.ErrProviderTimeout, last)
	}
	// Marked as an outage: a capture or void that fails so is retried for
	// as long as the provider fails, never dead-lettered.
	return response{}, outage.Mark(fmt.Errorf("%w: %w", command.ErrProviderUnavailable, last))
}

// once is one attempt, bounded by Timeout.
func (c *Client) once(ctx context.Context, method, path string, payload []byte) (response, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, c.cfg.BaseURL+path, bytes.NewReader(payload))
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.cfg.HTTPClient.Do(req)
	if err == nil {
		defer res.Body.Close()
		var body []byte
		if body, err = io.ReadAll(io.LimitReader(res.Body, 1<<20)); err == nil {
			if res.StatusCode >= 500 {
				return response{}, fmt.Errorf("%w: %s %s: %d", errServer, method, path, res.StatusCode)
			}
			return response{status: res.StatusCode, body: body}, nil
		}
	}
	if ctx.Err() != nil {
		return response{}, fmt.Errorf("%w: %w", errCallerGone, ctx.Err())
	}
	return response{}, fmt.Errorf("%s %s: %w", method, path, err)
}

// pause waits d unless ctx ends first; it reports whether d passed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
