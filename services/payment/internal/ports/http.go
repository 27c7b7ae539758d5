package ports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/payment/internal/app"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// HTTP serves the payment service's routes.
type HTTP struct {
	App      app.Application
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
	f := query.ListFilter{Status: domain.Status(c.QueryParam("status"))}
	if f.Status != "" && !knownStatuses[string(f.Status)] {
		return problem.BadRequest("status must be one of AUTHORISED, FAILED, CAPTURED, VOIDED, CANCELLED")
	}
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > query.MaxListLimit {
			return problem.BadRequest("limit must be an integer from 1 to " + strconv.Itoa(query.MaxListLimit))
		}
		f.Limit = n
	}
	ps, err := h.App.Queries.ListPayments.Handle(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]paymentJSON, len(ps))
	for i, p := range ps {
		items[i] = toPaymentJSON(p)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
