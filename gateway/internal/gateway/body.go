package gateway

import (
	"fmt"
	"io"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/pkg/problem"
)

// echoBodyLimit is httpserver.BodyLimit ("64K") in bytes: echo's own
// middleware answers 413 above it, once it sees a body one byte longer.
const echoBodyLimit = 64 << 10

// readBody returns the request body, at most limit bytes. A longer one is
// a 413 problem and, when its length is declared, is not read at all. The
// server streams bodies, so every read happens here, bounded.
func readBody(ctx *fasthttp.RequestCtx, limit int64) ([]byte, *problem.Problem) {
	req := &ctx.Request
	if !req.IsBodyStream() {
		return req.Body(), nil
	}
	if int64(req.Header.ContentLength()) > limit {
		return nil, problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", limit))
	}
	b, err := readAtMost(ctx, limit+1)
	if err != nil {
		return nil, problem.BadRequest("the request body could not be read")
	}
	if int64(len(b)) > limit {
		return nil, problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", limit))
	}
	return b, nil
}

// readAtMost reads up to n bytes of the streamed body and makes them the
// request's body.
func readAtMost(ctx *fasthttp.RequestCtx, n int64) ([]byte, error) {
	var b []byte
	var err error
	if cl := int64(ctx.Request.Header.ContentLength()); cl >= 0 && cl < n {
		b = make([]byte, cl)
		_, err = io.ReadFull(ctx.RequestBodyStream(), b)
	} else {
		b, err = io.ReadAll(io.LimitReader(ctx.RequestBodyStream(), n))
	}
	if err != nil {
		return nil, err
	}
	ctx.Request.SetBodyRaw(b)
	return b, nil
}

// serveEcho hands a request to echo. A streamed body is read first, at most
// one byte past echo's limit, so that a client cannot make the adaptor
// buffer an arbitrary body; echo then refuses an over-long one itself.
func (g *Gateway) serveEcho(ctx *fasthttp.RequestCtx) {
	if ctx.Request.IsBodyStream() {
		if _, err := readAtMost(ctx, echoBodyLimit+1); err != nil {
			writeProblem(&ctx.Response, problem.BadRequest("the request body could not be read"))
			return
		}
	}
	g.echo(ctx)
}
