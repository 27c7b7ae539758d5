package ports

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/order/internal/app"
)

// Settings of the live event streams.
const (
	// DefaultMaxStreams is how many event streams one process serves at
	// once; the next client gets a 503 with Retry-After.
	DefaultMaxStreams = 500
	// DefaultHeartbeat is how often a quiet stream sends a comment.
	DefaultHeartbeat = 15 * time.Second
	// orderBuffer and adminBuffer are how many events a client may fall
	// behind before it is dropped: an order's saga has about ten, the
	// admin stream carries the whole bus.
	orderBuffer = 64
	adminBuffer = 512
)

// Follower is one client's subscription to the bus (livefeed.Follower).
type Follower interface {
	// Events delivers the kept events as they are published.
	Events() <-chan event.Event
	// Overflowed is closed when the client fell a whole buffer behind.
	Overflowed() <-chan struct{}
	// Close ends the subscription.
	Close()
}

// Follow subscribes to the events of subjects that keep accepts, buffering
// up to buffer of them.
type Follow func(subjects []string, buffer int, keep func(event.Event) bool) (Follower, error)

// Streams serves the live event streams as Server-Sent Events: an order's
// status changes and timeline entries, and every event on the bus for admins.
type Streams struct {
	app       app.Application
	follow    Follow
	log       *slog.Logger
	draining  <-chan struct{}
	active    atomic.Int64
	max       int64
	heartbeat time.Duration
}

// StreamOptions tune Streams; zero values mean the defaults.
type StreamOptions struct {
	MaxStreams int           // DefaultMaxStreams
	Heartbeat  time.Duration // DefaultHeartbeat
}

// NewStreams returns the stream port. Streams end when draining closes, so
// that a graceful shutdown does not wait for them.
func NewStreams(a app.Application, follow Follow, draining <-chan struct{}, log *slog.Logger, opts StreamOptions) *Streams {
	s := &Streams{app: a, follow: follow, log: log, draining: draining,
		max: int64(opts.MaxStreams), heartbeat: opts.Heartbeat}
	if s.max <= 0 {
		s.max = DefaultMaxStreams
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultHeartbeat
	}
	return s
}

// Register adds GET /api/v1/orders/:id/events (owner or admin) and
// GET /api/v1/admin/events (admin) to e.
func (s *Streams) Register(e *echo.Echo, v *auth.Verifier) {
	e.GET("/api/v1/orders/:id/events", s.orderEvents, auth.Middleware(v), auth.RequireAny())
	e.GET("/api/v1/admin/events", s.adminEvents, auth.Middleware(v), auth.RequireAdmin())
}

// admit counts a stream in, or refuses it when the cap is reached.
func (s *Streams) admit() (release func(), err error) {
	if s.active.Add(1) > s.max {
		s.active.Add(-1)
		return nil, problem.Unavailable("too many event streams open; retry later", 5)
	}
	return func() { s.active.Add(-1) }, nil
}

// pump writes what next produces, and a heartbeat whenever the stream has
// been quiet, until the client leaves, the server drains, the client falls
// behind or a write fails. Once the stream has started its end is not an
// error: the client reconnects with Last-Event-ID.
func (s *Streams) pump(c echo.Context, w *sse, fl Follower, each func(event.Event) error) error {
	ctx := c.Request().Context()
	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.draining:
			return nil
		case <-fl.Overflowed():
			s.log.InfoContext(ctx, "event stream client too slow, dropped", "path", c.Path())
			return nil
		case ev := <-fl.Events():
			err = each(ev)
		case <-beat.C:
			err = w.heartbeat()
		}
		if err != nil {
			s.log.DebugContext(ctx, "event stream ended", "path", c.Path(), "err", err)
			return nil
		}
	}
}

// streamEvent is one event as the streams send it; the admin stream adds
// the subject and the payload.
type streamEvent struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Source  string          `json:"source"`
	Time    time.Time       `json:"time"`
	TraceID string          `json:"trace_id"`
	Subject string          `json:"subject,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func toStreamEvent(ev event.Event) streamEvent {
	return streamEvent{ID: ev.ID, Type: ev.Type, Source: ev.Source, Time: ev.Time,
		TraceID: tracing.TraceID(ev.TraceParent)}
}

// sagaDomains are the event domains whose streams carry the saga.
func sagaDomains() []string { return []string{"order", "inventory", "payment", "notification"} }

// adminEvents streams every event on the bus, filtered by ?type= and
// ?service= (each repeatable or comma-separated; absent means any).
func (s *Streams) adminEvents(c echo.Context) error {
	keep := eventFilter(queryList(c, "type"), queryList(c, "service"))
	release, err := s.admit()
	if err != nil {
		return err
	}
	defer release()
	subjects := make([]string, 0, 4)
	for _, d := range sagaDomains() {
		subjects = append(subjects, d+".>")
	}
	fl, err := s.follow(subjects, adminBuffer, keep)
	if err != nil {
		return problem.Unavailable("the event bus cannot be followed now; retry later", 1)
	}
	defer fl.Close()
	w, err := startSSE(c)
	if err != nil {
		return nil
	}
	return s.pump(c, w, fl, func(ev event.Event) error {
		out := toStreamEvent(ev)
		out.Subject, out.Data = ev.Subject, ev.Data
		return w.send(ev.ID, "event", out)
	})
}

// queryList is every value of the query parameter name, split at commas.
func queryList(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// eventFilter keeps the events whose type is one of types and whose source
// is one of services; an empty list keeps any.
func eventFilter(types, services []string) func(event.Event) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return func(ev event.Event) bool { return in(types, ev.Type) && in(services, ev.Source) }
}
