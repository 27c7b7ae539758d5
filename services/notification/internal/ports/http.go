package ports

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// HTTP serves the notification service's routes.
type HTTP struct {
	List     query.ListForCustomer
	Verifier *auth.Verifier
}

// Register adds the routes to e: the customer's own notifications behind a
// verified customer token.
func (h HTTP) Register(e *echo.Echo) {
	e.GET("/api/v1/notifications", h.list, auth.Middleware(h.Verifier), auth.RequireCustomer())
}

// notificationJSON is one notification in the listing.
type notificationJSON struct {
	ID        string     `json:"id"`
	OrderID   string     `json:"order_id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

func toJSON(n domain.Notification) notificationJSON {
	out := notificationJSON{ID: n.ID(), OrderID: n.ID(), Kind: string(n.Kind()), Subject: n.Subject(),
		Body: n.Body(), Status: string(n.Status()), CreatedAt: n.CreatedAt()}
	if at := n.SentAt(); !at.IsZero() {
		out.SentAt = &at
	}
	return out
}

func (h HTTP) list(c echo.Context) error {
	id, _ := auth.FromContext(c.Request().Context()) // RequireCustomer guarantees one
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	ns, next, err := h.List.Handle(c.Request().Context(), id.Subject, req)
	if errors.Is(err, page.ErrInvalid) {
		return problem.BadRequest(err.Error())
	}
	if err != nil {
		return err
	}
	items := make([]notificationJSON, len(ns))
	for i, n := range ns {
		items[i] = toJSON(n)
	}
	return c.JSON(http.StatusOK, page.Of[notificationJSON]{Items: items, NextCursor: next})
}
