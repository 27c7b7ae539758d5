package metrics_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/httpserver"
)

// breaker is a circuit breaker in a fixed state, as a service reports one.
type breaker struct{ name, state string }

func (b breaker) BreakerName() string { return b.name }
func (b breaker) StateName() string   { return b.state }

// TestServerServesRouteAndBreakerMetrics answers a route with a 200 and a
// 500 and checks the series the server's /metrics serves: per route
// pattern, method and code, with the service label, and the breakers'
// states read at scrape time.
func TestServerServesRouteAndBreakerMetrics(t *testing.T) {
	t.Parallel()
	srv := httpserver.New(slog.New(slog.DiscardHandler), "shop", httpserver.WithRegistry(httpserver.NewRegistry("shop")))
	srv.Echo.GET("/items/:id", func(c echo.Context) error {
		if c.Param("id") == "bad" {
			return errors.New("boom")
		}
		return c.NoContent(http.StatusOK)
	})
	srv.AddBreakers(breaker{"shop-supplier", "open"}, breaker{"shop-mail", "closed"})
	hs := httptest.NewServer(srv.Echo)
	t.Cleanup(hs.Close)
	for _, id := range []string{"1", "2", "bad"} {
		res, err := http.Get(hs.URL + "/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	tests := []struct{ name, want string }{
		{"ok requests", `eventshop_http_requests_total{code="200",method="GET",route="/items/:id",service="shop"} 2`},
		{"errors", `eventshop_http_requests_total{code="500",method="GET",route="/items/:id",service="shop"} 1`},
		{"duration count", `eventshop_http_request_duration_seconds_count{method="GET",route="/items/:id",service="shop"} 3`},
		{"open breaker", `eventshop_breaker_state{breaker="shop-supplier",service="shop"} 2`},
		{"closed breaker", `eventshop_breaker_state{breaker="shop-mail",service="shop"} 0`},
	}
	lines := scrape(t, hs.URL, "eventshop_")
	for _, tc := range tests {
		if !slices.Contains(lines, tc.want) {
			t.Errorf("%s: no line %s in\n%v", tc.name, tc.want, lines)
		}
	}
}

// TestServersKeepTheirOwnRegistries starts two servers in one process, as
// tests and make run's replicas do: neither panics on registration and each
// serves only its own service's series.
func TestServersKeepTheirOwnRegistries(t *testing.T) {
	t.Parallel()
	urls := map[string]string{}
	for _, svc := range []string{"alpha", "beta"} {
		srv := httpserver.New(slog.New(slog.DiscardHandler), svc)
		hs := httptest.NewServer(srv.Echo)
		t.Cleanup(hs.Close)
		res, err := http.Get(hs.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		urls[svc] = hs.URL
	}
	for svc, url := range urls {
		lines := scrape(t, url, "eventshop_http_requests_total")
		if len(lines) == 0 {
			t.Errorf("%s serves no request series", svc)
		}
		for _, line := range lines {
			if !strings.Contains(line, `service="`+svc+`"`) {
				t.Errorf("%s serves %s", svc, line)
			}
		}
	}
}
