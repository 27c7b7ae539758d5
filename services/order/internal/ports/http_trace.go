package ports

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// traceSpan is one span of an order's trace, as the web UI's waterfall
// draws it.
type traceSpan struct {
	Service    string    `json:"service"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Start      time.Time `json:"start"`
	DurationMS float64   `json:"duration_ms"`
	SpanID     string    `json:"span_id"`
	ParentID   string    `json:"parent_id,omitempty"`
}

// trace answers the spans of the order's traces, read from the trace
// store: 404 when none is configured or it holds none of them, 503 when it
// cannot be read now.
func (h *HTTPServer) trace(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	spans, err := h.app.Queries.OrderTrace.Handle(c.Request().Context(), query.OrderTrace{OrderID: id, Viewer: viewer(c)})
	switch {
	case errors.Is(err, query.ErrNoTraceStore):
		return problem.NotFound("no trace store is configured")
	case errors.Is(err, query.ErrTraceNotFound):
		return problem.NotFound("the trace store holds no trace of this order")
	case errors.Is(err, query.ErrTraceStoreUnavailable):
		h.log.WarnContext(c.Request().Context(), "trace store unavailable", "err", err)
		return problem.Unavailable("the trace store cannot be read now; retry later", 5)
	case err != nil:
		return h.fail(c, err)
	}
	out := make([]traceSpan, len(spans))
	for i, s := range spans {
		out[i] = traceSpan{
			Service: s.Service, Name: s.Name, Kind: s.Kind, Start: s.Start,
			DurationMS: float64(s.Duration) / float64(time.Millisecond), SpanID: s.SpanID, ParentID: s.ParentID,
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"spans": out})
}
