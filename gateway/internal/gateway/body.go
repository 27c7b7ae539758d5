package gateway

import (
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/pkg/problem"
)

// echoBodyLimit is httpserver.BodyLimit ("64K") in bytes: echo's own
// middleware answers 413 above it.
const echoBodyLimit = 64 << 10

// readBody returns the request body when it is within limit, and a 413
// problem otherwise. The server has read the body already, up to a ceiling
// above every limit (see newServer), so that this check comes after the
// route's authentication and rate limit.
func readBody(ctx *fasthttp.RequestCtx, limit int64) ([]byte, *problem.Problem) {
	b := ctx.Request.Body()
	if int64(len(b)) > limit {
		return nil, problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", limit))
	}
	return b, nil
}

// serveEcho hands a request to echo.
func (g *Gateway) serveEcho(ctx *fasthttp.RequestCtx) { g.echo(ctx) }
