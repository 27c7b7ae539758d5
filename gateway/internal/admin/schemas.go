package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/schemas"
)

// SchemaList answers GET /api/v1/schemas with every event type and version.
func SchemaList(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": schemas.List()})
}

// Schema answers GET /api/v1/schemas/:type/:version ("order.placed", "v2")
// with the JSON Schema itself.
func Schema(c echo.Context) error {
	typ := c.Param("type") + "." + c.Param("version")
	raw, ok := schemas.Get(typ)
	if !ok {
		return problem.NotFound("no schema for event type " + typ)
	}
	return c.Blob(http.StatusOK, "application/schema+json", raw)
}

// AsyncAPI answers GET /api/v1/asyncapi.json.
func AsyncAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, schemas.AsyncAPI())
}
