// Package web is the gateway's browser UI: static HTML, CSS and JavaScript
// embedded in the binary, with no build step.
package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed static
var files embed.FS

// Register serves the UI at / and its assets under /ui/ on g, which
// carries the middleware the pages need (security headers).
func Register(e *echo.Group) {
	static, _ := fs.Sub(files, "static")
	index, _ := fs.ReadFile(static, "index.html")
	e.GET("/", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, index) })
	e.StaticFS("/ui", static)
}
