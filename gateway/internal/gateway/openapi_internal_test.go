package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestOpenAPIMatchesRouter checks both directions: every operation in the
// served document is routed, and every /api/v1 route echo serves is in the
// document.
func TestOpenAPIMatchesRouter(t *testing.T) {
	cfg := config.Config{Auth: auth.Config{Secret: "s"}, OrderURL: "http://o", InventoryURL: "http://i", PaymentURL: "http://p", NotificationURL: "http://n"}
	g, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
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
	for _, r := range g.echo.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			routed = append(routed, r.Method+" "+echoToOpenAPI(r.Path))
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if diff := cmp.Diff(documented, routed); diff != "" {
		t.Errorf("documented (-) vs routed (+):\n%s", diff)
	}
}
