package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"

	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// lineResponse is one priced line.
type lineResponse struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents"`
}

// orderResponse is an order as the API shows it.
type orderResponse struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	Items      []lineResponse `json:"items"`
	TotalCents int64          `json:"total_cents"`
	Currency   string         `json:"currency"`
	Reason     string         `json:"reason,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// placedResponse is the answer to a placement: the order as it was
// accepted. A replay with the same idempotency key gets the same body, even
// if the saga has moved on since (GET the order for its current state).
type placedResponse struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	Items      []lineResponse `json:"items"`
	TotalCents int64          `json:"total_cents"`
	Currency   string         `json:"currency"`
	CreatedAt  time.Time      `json:"created_at"`
}

func toLines(lines []domain.Line) []lineResponse {
	out := make([]lineResponse, len(lines))
	for i, l := range lines {
		out[i] = lineResponse{SKU: l.SKU(), Quantity: l.Quantity(), PriceCents: l.PriceCents()}
	}
	return out
}

func toOrderResponse(o *domain.Order) orderResponse {
	return orderResponse{
		ID: o.ID().String(), Status: string(o.Status()), Items: toLines(o.Lines()),
		TotalCents: o.TotalCents(), Currency: o.Currency(), Reason: o.Reason(),
		CreatedAt: o.CreatedAt(), UpdatedAt: o.UpdatedAt(),
	}
}

func toPlacedResponse(o *domain.Order) placedResponse {
	return placedResponse{
		ID: o.ID().String(), Status: string(domain.StatusPending), Items: toLines(o.Lines()),
		TotalCents: o.TotalCents(), Currency: o.Currency(), CreatedAt: o.CreatedAt(),
	}
}

// IdempotentReplayedHeader is set on the answer to a repeated request.
const IdempotentReplayedHeader = "Idempotent-Replayed"

func (h *HTTPServer) placeOrder(c echo.Context) error {
	cmd, err := decodePlaceOrder(c)
	if err != nil {
		return err
	}
	cmd.CustomerID = viewer(c).Subject
	res, err := h.app.Commands.PlaceOrder.Handle(c.Request().Context(), cmd)
	if err != nil {
		return h.fail(c, err)
	}
	if res.Replayed {
		c.Response().Header().Set(IdempotentReplayedHeader, "true")
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/orders/"+res.Order.ID().String())
	return c.JSON(http.StatusAccepted, toPlacedResponse(res.Order))
}

func (h *HTTPServer) listOrders(c echo.Context) error {
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	orders, next, err := h.app.Queries.ListOrders.Handle(c.Request().Context(), query.ListOrders{CustomerID: viewer(c).Subject, Page: req})
	if err != nil {
		return h.fail(c, err)
	}
	items := make([]orderResponse, len(orders))
	for i, o := range orders {
		items[i] = toOrderResponse(o)
	}
	return c.JSON(http.StatusOK, page.Of[orderResponse]{Items: items, NextCursor: next})
}

func (h *HTTPServer) getOrder(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	o, err := h.app.Queries.GetOrder.Handle(c.Request().Context(), query.GetOrder{OrderID: id, Viewer: viewer(c)})
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, toOrderResponse(o))
}

func (h *HTTPServer) cancelOrder(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	o, err := h.app.Commands.CancelOrder.Handle(c.Request().Context(), command.CancelOrder{
		OrderID: id, CustomerID: viewer(c).Subject, Reason: domain.ReasonCustomer,
	})
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, toOrderResponse(o))
}
