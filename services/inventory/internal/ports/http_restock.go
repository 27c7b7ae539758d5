package ports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// restockRequest is the body of POST /api/v1/admin/products/:sku/restock.
// Quantity is a pointer so that a missing quantity is told from zero.
type restockRequest struct {
	Quantity *int64 `json:"quantity"`
}

// restock adds stock and answers the product's new stock level. A body that
// is not the expected JSON is 400; a quantity outside 1..MaxRestock is 422;
// an unknown SKU is 404.
func (h HTTPServer) restock(c echo.Context) error {
	q, err := decodeRestock(c.Request().Body)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sku := c.Param("sku")
	if err := h.app.Commands.Restock.Handle(ctx, command.Restock{SKU: sku, Quantity: q}); err != nil {
		return toProblem(err)
	}
	levels, err := h.app.Queries.StockLevels.Handle(ctx, query.StockLevels{SKUs: []string{sku}})
	if err != nil {
		return toProblem(err)
	}
	if len(levels) != 1 {
		return toProblem(fmt.Errorf("%w: %s", query.ErrNotFound, sku))
	}
	return c.JSON(http.StatusOK, toStockLevelResponse(levels[0]))
}

func decodeRestock(body io.Reader) (int64, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req restockRequest
	if err := dec.Decode(&req); err != nil {
		return 0, problem.BadRequest(fmt.Sprintf("body must be {\"quantity\": N}: %v", err))
	}
	if dec.More() {
		return 0, problem.BadRequest("body must hold one JSON object")
	}
	switch {
	case req.Quantity == nil:
		return 0, problem.Unprocessable("quantity is required")
	case *req.Quantity < 1 || *req.Quantity > domain.MaxRestock:
		return 0, problem.Unprocessable(fmt.Sprintf("quantity must be between 1 and %d", domain.MaxRestock))
	}
	return *req.Quantity, nil
}

// toProblem maps the application's errors to problem responses; anything
// unknown stays an error, which the server renders as a logged 500.
func toProblem(err error) error {
	switch {
	case errors.Is(err, query.ErrNotFound), errors.Is(err, domain.ErrUnknownProduct):
		return problem.NotFound("no product with that SKU")
	case errors.Is(err, domain.ErrInvalidQuantity):
		return problem.Unprocessable(err.Error())
	case errors.Is(err, page.ErrInvalid):
		return problem.BadRequest(err.Error())
	}
	return err
}
