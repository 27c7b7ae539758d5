// Package logging builds the platform's slog loggers: JSON in containers, text
// in a terminal, with the trace and span ids of the context's span and the
// event and order ids of the context on every line.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
)

// New returns a logger for service writing to stderr. format is "json" or
// "text"; empty means text.
func New(service, format string) *slog.Logger {
	return NewTo(os.Stderr, service, format)
}

// NewTo is New writing to w.
func NewTo(w io.Writer, service, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level()}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{WithSpan(h)}).With("service", service)
}

func level() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

type attrsKey struct{}

// With returns a context whose log lines carry attrs, such as
// slog.String("order_id", id), in addition to those already there.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(attrsKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, attrsKey{}, all)
}

// contextHandler adds the attributes stored by With to every record logged
// with a context, so handlers need not pass ids to each log call.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(attrsKey{}).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
