package ports

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// HTTP serves the payment service's routes.
type HTTP struct {
	List     query.ListPayments
	Verifier *auth.Verifier
}

// Register adds the routes to e: the admin listing behind a verified admin
// token.
func (h HTTP) Register(e *echo.Echo) {
	admin := e.Group("/api/v1/admin", auth.Middleware(h.Verifier), auth.RequireAdmin())
	admin.GET("/payments", h.listPayments)
}

// paymentJSON is one payment in the admin listing.
type paymentJSON struct {
	OrderID     string    `json:"order_id"`
	Status      string    `json:"status"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency,omitempty"`
	PaymentID   string    `json:"payment_id,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toPaymentJSON(p domain.Payment) paymentJSON {
	s := p.Snapshot()
	return paymentJSON{OrderID: s.OrderID, Status: string(s.Status), AmountCents: s.AmountCents,
		Currency: s.Currency, PaymentID: s.AuthID, Reason: s.Reason, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

var knownStatuses = map[string]bool{
	string(domain.StatusAuthorised): true, string(domain.StatusFailed): true, string(domain.StatusCaptured): true,
	string(domain.StatusVoided): true, string(domain.StatusCancelled): true,
}

func (h HTTP) listPayments(c echo.Context) error {
	status := domain.Status(c.QueryParam("status"))
	if status != "" && !knownStatuses[string(status)] {
		return problem.BadRequest("status must be one of AUTHORISED, FAILED, CAPTURED, VOIDED, CANCELLED")
	}
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	ps, next, err := h.List.Handle(c.Request().Context(), status, req)
	if errors.Is(err, page.ErrInvalid) {
		return problem.BadRequest(err.Error())
	}
	if err != nil {
		return err
	}
	items := make([]paymentJSON, len(ps))
	for i, p := range ps {
		items[i] = toPaymentJSON(p)
	}
	return c.JSON(http.StatusOK, page.Of[paymentJSON]{Items: items, NextCursor: next})
}
