package ports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/app"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/services/order/internal/service"
	"github.com/eventshop/eventshop/services/order/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var authConfig = auth.Config{Secret: "order-test-secret"}

// fakeInventory answers GET /api/v1/products like inventory does, from a
// fixed catalogue; down makes it answer 503.
type fakeInventory struct {
	srv   *httptest.Server
	down  atomic.Bool
	calls atomic.Int32
}

func newFakeInventory(t testing.TB) *fakeInventory {
	t.Helper()
	f := &fakeInventory{}
	catalogue := map[string]int64{"SKU-A": 100, "SKU-B": 250}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if f.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		items := []map[string]any{}
		for _, sku := range r.URL.Query()["sku"] {
			if price, ok := catalogue[sku]; ok {
				items = append(items, map[string]any{"sku": sku, "price_cents": price, "currency": "EUR"})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// env is one order service under test on a fresh database.
type env struct {
	pool      *pgxpool.Pool
	app       app.Application
	handler   http.Handler
	inventory *fakeInventory
	issuer    *auth.Issuer
}

// newEnv builds the service on a fresh database; each with changes the
// dependencies before the application is built on them.
func newEnv(t testing.TB, js jetstream.JetStream, with ...func(*service.Dependencies)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgdb.Open(ctx, testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	inv := newFakeInventory(t)
	prices, err := inventory.NewClient(inv.srv.URL, inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deps := service.Dependencies{Pool: pool, JetStream: js, Prices: prices}
	for _, w := range with {
		w(&deps)
	}
	a := service.NewApplication(deps)
	verifier, err := auth.NewVerifier(ctx, authConfig)
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(slog.New(slog.DiscardHandler), "order")
	ports.NewHTTPServer(a, slog.New(slog.DiscardHandler)).Register(srv.Echo, verifier)
	return &env{pool: pool, app: a, handler: srv.Echo, inventory: inv, issuer: auth.NewIssuer(authConfig, time.Hour)}
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do sends a request as user ("" for anonymous) with extra headers.
func (e *env) do(t *testing.T, user, method, path string, body io.Reader, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		tok, err := e.issuer.Token(user)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

const validBody = `{"items":[{"sku":"SKU-A","quantity":2},{"sku":"SKU-B","quantity":1}],"payment_method":"tok_visa"}`

// placed is the body of a 202 answer.
type placed struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Items  []struct {
		SKU        string `json:"sku"`
		Quantity   int    `json:"quantity"`
		PriceCents int64  `json:"price_cents"`
	} `json:"items"`
	TotalCents int64     `json:"total_cents"`
	Currency   string    `json:"currency"`
	Reason     string    `json:"reason"`
	CreatedAt  time.Time `json:"created_at"`
}

// place places validBody as user and returns the order.
func (e *env) place(t *testing.T, user string) placed {
	t.Helper()
	r := e.do(t, user, http.MethodPost, "/api/v1/orders", bytes.NewBufferString(validBody))
	if r.Status != http.StatusAccepted {
		t.Fatalf("place: status %d: %s", r.Status, r.Body)
	}
	var p placed
	r.decode(t, &p)
	return p
}

// count returns a single number from the database.
func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
