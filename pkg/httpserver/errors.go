package httpserver

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/problem"
)

// RetryAfter is the Retry-After, in seconds, of the 503 answered when a
// dependency is unavailable: about the time a database or NATS takes to
// restart, and short enough that a client does not wait much past it.
const RetryAfter = 5

// ErrorHandler renders every error as application/problem+json: a
// *problem.Problem as it is, an echo.HTTPError by its code, an unavailable
// dependency (outage.Is) as a 503 with Retry-After, anything else as a 500
// whose cause is logged here, once, and never sent to the client.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		if p.Status >= http.StatusInternalServerError && p.Status != http.StatusServiceUnavailable {
			log.ErrorContext(c.Request().Context(), "request failed", "err", err,
				"method", c.Request().Method, "path", c.Path())
		}
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		Write(c.Response(), p)
	}
}

// Write sends p as a problem response on w.
func Write(w http.ResponseWriter, p *problem.Problem) {
	w.Header().Set(echo.HeaderContentType, problem.ContentType)
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func toProblem(err error) *problem.Problem {
	var p *problem.Problem
	if errors.As(err, &p) {
		cp := *p
		return &cp
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := ""
		if m, ok := he.Message.(string); ok && m != http.StatusText(he.Code) {
			detail = m
		}
		return problem.New(he.Code, "", detail)
	}
	if outage.Is(err) {
		return problem.Unavailable("a service this request needs is unavailable; retry later", RetryAfter)
	}
	return problem.New(http.StatusInternalServerError, "", "")
}
