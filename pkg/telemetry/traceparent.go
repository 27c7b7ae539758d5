// Package telemetry carries W3C Trace Context through HTTP requests and
// events, so one trace id follows an order from the gateway through every
// service's events. Only propagation is done here: the ids are what the
// timeline and the logs need, and no collector is required to run the shop.
package telemetry

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/logging"
)

// Header is the W3C Trace Context header.
const Header = "traceparent"

type key struct{}

// WithTraceParent returns a context carrying tp.
func WithTraceParent(ctx context.Context, tp string) context.Context {
	return context.WithValue(ctx, key{}, tp)
}

// TraceParent returns the context's traceparent, or "" when there is none.
func TraceParent(ctx context.Context) string {
	tp, _ := ctx.Value(key{}).(string)
	return tp
}

// TraceID returns the trace id part of tp, or "" when tp is not valid.
func TraceID(tp string) string {
	if !Valid(tp) {
		return ""
	}
	return tp[3:35]
}

// Valid reports whether tp is a version-00 traceparent with non-zero ids.
func Valid(tp string) bool {
	if len(tp) != 55 || !strings.HasPrefix(tp, "00-") || tp[35] != '-' || tp[52] != '-' {
		return false
	}
	for _, part := range []string{tp[3:35], tp[36:52], tp[53:]} {
		if !lowerHex(part) || strings.Trim(part, "0") == "" && len(part) != 2 {
			return false
		}
	}
	return true
}

// lowerHex reports whether s is lower-case hex, as W3C Trace Context
// requires, without decoding it.
func lowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// New starts a new trace and returns its traceparent (sampled). The ids
// come from math/rand/v2, whose generator is seeded from the system's
// randomness: trace ids must not collide, not stay secret, and this runs
// for every request and event.
func New() string {
	var id [24]byte
	putNonZero(id[:8])
	putNonZero(id[8:16])
	putNonZero(id[16:])
	var tp [55]byte // built in place: one allocation, for the string
	copy(tp[:], "00-")
	hex.Encode(tp[3:35], id[:16])
	tp[35] = '-'
	hex.Encode(tp[36:52], id[16:])
	copy(tp[52:], "-01")
	return string(tp[:])
}

// putNonZero fills the 8 bytes of b with a random value other than zero,
// which W3C Trace Context reserves as invalid.
func putNonZero(b []byte) {
	v := rand.Uint64()
	for v == 0 {
		v = rand.Uint64()
	}
	binary.BigEndian.PutUint64(b, v)
}

// Child returns a traceparent in the same trace as tp with a new span id, or
// a new trace when tp is not valid.
func Child(tp string) string {
	if !Valid(tp) {
		return New()
	}
	var id [8]byte
	putNonZero(id[:])
	var out [55]byte
	copy(out[:], tp)
	hex.Encode(out[36:52], id[:])
	return string(out[:])
}

// Start returns ctx carrying a child of tp (or a new trace), with trace_id on its log lines.
func Start(ctx context.Context, tp string) context.Context {
	child := Child(tp)
	ctx = WithTraceParent(ctx, child)
	return logging.With(ctx, slog.String("trace_id", TraceID(child)))
}

// Middleware continues the request's traceparent (or starts a trace) in the
// request context and echoes it in the response.
func Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := Start(req.Context(), req.Header.Get(Header))
			c.SetRequest(req.WithContext(ctx))
			c.Response().Header().Set(Header, TraceParent(ctx))
			return next(c)
		}
	}
}
