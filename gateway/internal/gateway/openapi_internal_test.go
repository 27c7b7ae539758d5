package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/pkg/auth"
)

// echoToOpenAPI turns "/a/:id" into "/a/{id}".
func echoToOpenAPI(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// concrete fills every "{param}" of an OpenAPI path with a sample value.
func concrete(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "x1"
		}
	}
	return strings.Join(segs, "/")
}

// TestOpenAPIMatchesRouter checks both directions: every operation in the
// served document is routed (by the fast path or by echo), and every /api/v1
// route echo or the fast path serves is in the document.
func TestOpenAPIMatchesRouter(t *testing.T) {
	cfg := config.Config{Auth: auth.Config{Secret: "s"}, OrderURL: "http://o", InventoryURL: "http://i", PaymentURL: "http://p", NotificationURL: "http://n"}
	g, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var req fasthttp.Request
	req.Header.SetMethod(http.MethodGet)
	req.SetRequestURI("/api/v1/openapi.json")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1234}, nil)
	g.serveEcho(&ctx)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(ctx.Response.Body(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var routed []string
	for _, r := range g.server.Echo.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			routed = append(routed, r.Method+" "+echoToOpenAPI(r.Path))
		}
	}
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		if rt := g.matcher.Match(method, concrete(path)); rt != nil {
			if rt.OpenAPIPath() != path {
				t.Errorf("%s is routed to %s", op, rt.Path)
			}
			routed = append(routed, method+" "+rt.OpenAPIPath())
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if diff := cmp.Diff(documented, routed); diff != "" {
		t.Errorf("documented (-) vs routed (+):\n%s", diff)
	}
}
