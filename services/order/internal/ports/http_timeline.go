package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// timelineEvent is one event of an order's saga.
type timelineEvent struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Source  string    `json:"source"`
	Time    time.Time `json:"time"`
	TraceID string    `json:"trace_id"`
}

func (h *HTTPServer) timeline(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	evs, err := h.app.Queries.Timeline.Handle(c.Request().Context(), query.Timeline{OrderID: id, Viewer: viewer(c)})
	if err != nil {
		return h.fail(c, err)
	}
	out := make([]timelineEvent, len(evs))
	for i, ev := range evs {
		out[i] = timelineEvent{ID: ev.ID, Type: ev.Type, Source: ev.Source, Time: ev.Time, TraceID: ev.TraceID}
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out})
}
