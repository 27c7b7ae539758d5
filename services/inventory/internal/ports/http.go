// Package ports are the inventory's entry points: the HTTP API and the
// consumers of order events. They translate requests and events into the
// application's commands and queries.
package ports

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

// HTTPServer serves the inventory's part of the public HTTP API.
type HTTPServer struct {
	app app.Application
}

// NewHTTPServer returns the HTTP port of application.
func NewHTTPServer(application app.Application) HTTPServer {
	return HTTPServer{app: application}
}

// Register adds the routes to e. The catalogue is public; the admin routes
// verify the bearer token with v and demand the admin role.
func (h HTTPServer) Register(e *echo.Echo, v *auth.Verifier) {
	e.GET("/api/v1/products", h.listProducts)
	e.GET("/api/v1/products/:sku", h.getProduct)
	admin := e.Group("/api/v1/admin", auth.Middleware(v), auth.RequireAdmin())
	admin.GET("/inventory", h.listStockLevels)
	admin.POST("/products/:sku/restock", h.restock)
}

// maxSKUFilter bounds the sku filter of the catalogue; an order has at most
// 100 lines, so a longer filter is a mistake or abuse.
const maxSKUFilter = 100

// productResponse is a catalogue entry on the wire.
type productResponse struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int64  `json:"available"`
}

// stockLevelResponse is a product's stock on the wire.
type stockLevelResponse struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

func toProductResponse(p query.Product) productResponse {
	return productResponse{SKU: p.SKU, Name: p.Name, PriceCents: p.PriceCents, Currency: p.Currency, Available: p.Available}
}

func toStockLevelResponse(l query.StockLevel) stockLevelResponse {
	return stockLevelResponse{SKU: l.SKU, Available: l.Available, Reserved: l.Reserved, Sold: l.Sold}
}

// listProducts answers the catalogue a page at a time; ?sku=A&sku=B narrows
// it to those SKUs, all on one page unless a limit is asked for, which is how
// the order service prices an order in one request.
func (h HTTPServer) listProducts(c echo.Context) error {
	skus := c.QueryParams()["sku"]
	if len(skus) > maxSKUFilter {
		return problem.BadRequest(fmt.Sprintf("at most %d sku parameters", maxSKUFilter))
	}
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	if len(skus) > 0 && c.QueryParam("limit") == "" {
		req.Limit = maxSKUFilter // every product asked for, on one page
	}
	ps, next, err := h.app.Queries.Products.Page(c.Request().Context(), query.Products{SKUs: skus}, req)
	if err != nil {
		return toProblem(err)
	}
	items := make([]productResponse, len(ps))
	for i, p := range ps {
		items[i] = toProductResponse(p)
	}
	return c.JSON(http.StatusOK, page.Of[productResponse]{Items: items, NextCursor: next})
}

func (h HTTPServer) getProduct(c echo.Context) error {
	p, err := h.app.Queries.Product.Handle(c.Request().Context(), query.ProductBySKU{SKU: c.Param("sku")})
	if err != nil {
		return toProblem(err)
	}
	return c.JSON(http.StatusOK, toProductResponse(p))
}

func (h HTTPServer) listStockLevels(c echo.Context) error {
	req, err := page.Parse(c.QueryParams())
	if err != nil {
		return problem.BadRequest(err.Error())
	}
	levels, next, err := h.app.Queries.StockLevels.Page(c.Request().Context(), query.StockLevels{}, req)
	if err != nil {
		return toProblem(err)
	}
	items := make([]stockLevelResponse, len(levels))
	for i, l := range levels {
		items[i] = toStockLevelResponse(l)
	}
	return c.JSON(http.StatusOK, page.Of[stockLevelResponse]{Items: items, NextCursor: next})
}
