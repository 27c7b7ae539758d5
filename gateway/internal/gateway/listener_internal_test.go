package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/pkg/problem"
)

func TestPanicBecomesA500(t *testing.T) {
	g := &Gateway{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var ctx fasthttp.RequestCtx
	func() {
		defer g.recoverPanic(&ctx)
		panic("boom")
	}()
	resp := &ctx.Response
	if resp.StatusCode() != http.StatusInternalServerError || !resp.ConnectionClose() || string(resp.Header.ContentType()) != problem.ContentType {
		t.Errorf("after a panic: status %d, connection close %v, type %q", resp.StatusCode(), resp.ConnectionClose(), resp.Header.ContentType())
	}
}
