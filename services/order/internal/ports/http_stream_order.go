package ports

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// maxRemembered bounds the event ids an order stream remembers to send
// each event once; a saga has about ten.
const maxRemembered = 256

// orderStatus is the "status" event: the order's status when the stream
// starts and after each change.
type orderStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// orderEvents streams one order's status and timeline to its owner or an
// admin; anyone else gets the 404 the order itself answers. The stream
// subscribes first, then sends the current status and the history (after
// Last-Event-ID when the client resumes), then what happens live, each
// event once.
func (s *Streams) orderEvents(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	q := query.GetOrder{OrderID: id, Viewer: viewer(c)}
	if _, err := s.app.Queries.GetOrder.Handle(ctx, q); err != nil {
		return toProblem(err)
	}
	release, err := s.admit()
	if err != nil {
		return err
	}
	defer release()
	subjects := make([]string, 0, 4)
	for _, d := range sagaDomains() {
		subjects = append(subjects, d+".*.*."+id.String())
	}
	fl, err := s.follow(subjects, orderBuffer, func(event.Event) bool { return true })
	if err != nil {
		return toProblem(query.ErrEventLogUnavailable)
	}
	defer fl.Close()
	w, err := startSSE(c)
	if err != nil {
		return nil
	}
	st := &orderStream{s: s, w: w, q: q, sent: map[string]bool{}}
	if err := st.catchUp(ctx, c.Request().Header.Get("Last-Event-ID")); err != nil {
		return nil
	}
	return s.pump(c, w, fl, func(ev event.Event) error { return st.live(ctx, ev) })
}

// orderStream is the state of one order's stream.
type orderStream struct {
	s      *Streams
	w      *sse
	q      query.GetOrder
	sent   map[string]bool
	status orderStatus
}

// catchUp sends the current status and the events published before the
// subscription, those after lastID only when it names one of them. An
// event log that cannot be read now only costs the history.
func (st *orderStream) catchUp(ctx context.Context, lastID string) error {
	if err := st.sendStatus(ctx); err != nil {
		return err
	}
	history, err := st.s.app.Queries.Timeline.Handle(ctx, query.Timeline(st.q))
	if err != nil {
		st.s.log.WarnContext(ctx, "order stream without history", "order_id", st.q.OrderID, "err", err)
		return nil
	}
	for i, ev := range history {
		if ev.ID == lastID {
			history = history[i+1:]
			break
		}
	}
	for _, ev := range history {
		out := streamEvent{ID: ev.ID, Type: ev.Type, Source: ev.Source, Time: ev.Time, TraceID: ev.TraceID}
		if err := st.sendOnce(out); err != nil {
			return err
		}
	}
	return nil
}

// live sends an event as it is published, and the order's new status after
// an event of the order service (its status changes).
func (st *orderStream) live(ctx context.Context, ev event.Event) error {
	if err := st.sendOnce(toStreamEvent(ev)); err != nil {
		return err
	}
	if ev.Source != "order" {
		return nil
	}
	return st.sendStatus(ctx)
}

func (st *orderStream) sendOnce(ev streamEvent) error {
	if st.sent[ev.ID] {
		return nil
	}
	if len(st.sent) < maxRemembered {
		st.sent[ev.ID] = true
	}
	return st.w.send(ev.ID, "timeline", ev)
}

// sendStatus reads the order and sends its status if it changed.
func (st *orderStream) sendStatus(ctx context.Context) error {
	o, err := st.s.app.Queries.GetOrder.Handle(ctx, st.q)
	if err != nil {
		// A database that does not answer now delays the status to the
		// next event; the timeline entries still flow.
		st.s.log.WarnContext(ctx, "order stream status", "order_id", st.q.OrderID, "err", err)
		return nil
	}
	now := orderStatus{ID: o.ID().String(), Status: string(o.Status()), Reason: o.Reason()}
	if now == st.status {
		return nil
	}
	st.status = now
	return st.w.send("", "status", now)
}
