// Package ports drives the order service's use cases from the outside: HTTP
// handlers, event handlers and the saga timeout.
package ports

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/order/internal/app"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// HTTPServer serves the order API.
type HTTPServer struct {
	app app.Application
	log *slog.Logger
}

// NewHTTPServer returns the HTTP port of a.
func NewHTTPServer(a app.Application, log *slog.Logger) *HTTPServer {
	return &HTTPServer{app: a, log: log}
}

// Register adds the order routes to e. Every route verifies the bearer token
// with v; the identity comes only from the token, never from a header.
func (h *HTTPServer) Register(e *echo.Echo, v *auth.Verifier) {
	g := e.Group("/api/v1/orders", auth.Middleware(v))
	g.POST("", h.placeOrder, auth.RequireCustomer())
	g.GET("", h.listOrders, auth.RequireCustomer())
	g.GET("/:id", h.getOrder, auth.RequireAny())
	g.POST("/:id/cancel", h.cancelOrder, auth.RequireCustomer())
	g.GET("/:id/timeline", h.timeline, auth.RequireAny())
	g.GET("/:id/trace", h.trace, auth.RequireAny())
}

// viewer is the caller's identity; the auth middleware guarantees one.
func viewer(c echo.Context) query.Viewer {
	id, _ := auth.FromContext(c.Request().Context())
	return query.Viewer{Subject: id.Subject, Admin: id.IsAdmin()}
}

// orderID parses the :id path parameter; an id that is not a UUID names no
// order, so it is a 404 like any unknown id.
func orderID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, problem.NotFound("order not found")
	}
	return id, nil
}

// fail maps a use case's error to its HTTP problem. A 503 is logged here
// with its cause, which the problem does not carry and the error handler
// does not log.
func (h *HTTPServer) fail(c echo.Context, err error) error {
	p := toProblem(err)
	var pr *problem.Problem
	if errors.As(p, &pr) && pr.Status == http.StatusServiceUnavailable {
		h.log.WarnContext(c.Request().Context(), "dependency unavailable", "err", err, "path", c.Path())
	}
	return p
}

// toProblem maps the use cases' errors to HTTP problems; anything else is
// returned as it is and becomes a 500 logged by the error handler.
func toProblem(err error) error {
	var unknown *domain.UnknownProductsError
	switch {
	case errors.As(err, &unknown):
		return problem.New(http.StatusUnprocessableEntity, "Unknown product",
			"unknown sku: "+strings.Join(unknown.SKUs, ", "))
	case errors.Is(err, page.ErrInvalid):
		return problem.BadRequest(err.Error())
	case errors.Is(err, domain.ErrInvalidOrder):
		return problem.Unprocessable(strings.TrimPrefix(err.Error(), domain.ErrInvalidOrder.Error()+": "))
	case errors.Is(err, command.ErrIdempotencyMismatch):
		return problem.Unprocessable("Idempotency-Key was already used with a different request")
	case errors.Is(err, command.ErrInventoryUnavailable):
		return problem.Unavailable("prices cannot be read from inventory now; retry later", 1)
	case errors.Is(err, query.ErrEventLogUnavailable):
		return problem.Unavailable("the event log cannot be read now; retry later", 1)
	case errors.Is(err, domain.ErrNotFound):
		return problem.NotFound("order not found")
	case errors.Is(err, domain.ErrNotPending):
		return problem.Conflict("order is no longer pending")
	}
	return fmt.Errorf("order request: %w", err)
}
