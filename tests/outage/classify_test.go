package outage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/sony/gobreaker/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/testkit"
)

// TestIs classifies errors produced by real clients of real (or absent)
// servers.
func TestIs(t *testing.T) {
	t.Parallel()
	closed := closedAddr(t)
	tests := []struct {
		name string
		err  func(t *testing.T) error
		want bool
	}{
		{"postgres connection refused", func(t *testing.T) error {
			_, err := pgx.Connect(t.Context(), "postgres://postgres@"+closed+"/x?sslmode=disable&connect_timeout=2")
			return fmt.Errorf("acquire connection: %w", err)
		}, true},
		{"postgres syntax error", func(t *testing.T) error { return pgExec(t, "SELEC 1") }, false},
		{"postgres unique violation", func(t *testing.T) error {
			return pgExec(t, "CREATE TEMP TABLE u (k int PRIMARY KEY); INSERT INTO u VALUES (1), (1)")
		}, false},
		{"postgres admin shutdown", func(t *testing.T) error {
			return pgExec(t, "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '57P01', MESSAGE = 'terminating'; END $$")
		}, true},
		{"postgres connection failure class 08", func(t *testing.T) error {
			return pgExec(t, "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '08006', MESSAGE = 'gone'; END $$")
		}, true},
		{"mongo server down", func(t *testing.T) error {
			c, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + closed).SetServerSelectionTimeout(300 * time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Disconnect(context.Background()) }()
			return c.Ping(t.Context(), nil)
		}, true},
		{"nats no servers", func(t *testing.T) error {
			_, err := nats.Connect("nats://"+closed, nats.Timeout(time.Second))
			return err
		}, true},
		{"nats no responders", func(t *testing.T) error {
			nc, err := nats.Connect(testkit.NATS(t).URL())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_, err = nc.Request("nobody.listens", nil, 2*time.Second)
			return err
		}, true},
		{"http peer refused", func(t *testing.T) error {
			_, err := http.Get("http://" + closed + "/")
			return err
		}, true},
		{"breaker open", func(t *testing.T) error { return openBreaker(t) }, true},
		{"marked by an adapter", func(*testing.T) error { return outage.Mark(errors.New("peer answered 503")) }, true},
		{"deadline exceeded", func(*testing.T) error { return fmt.Errorf("query: %w", context.DeadlineExceeded) }, true},
		{"cancelled by the caller", func(*testing.T) error { return fmt.Errorf("query: %w", context.Canceled) }, false},
		{"undecodable payload", func(*testing.T) error { return json.Unmarshal([]byte(`{"a":`), &struct{}{}) }, false},
		{"business refusal", func(*testing.T) error { return bus.Permanent(errors.New("unknown product")) }, false},
		{"nil", func(*testing.T) error { return nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if tt.want && err == nil {
				t.Fatal("the case produced no error")
			}
			if got := outage.Is(err); got != tt.want {
				t.Errorf("Is(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

// TestPostgresStoppedUnderAConnection classifies what a client gets from a
// server stopped in immediate mode while it holds a connection, and from the
// pool while the server is down.
func TestPostgresStoppedUnderAConnection(t *testing.T) {
	t.Parallel()
	pg := startCluster(t)
	conn, err := pgx.Connect(t.Context(), pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(t.Context(), "SELECT 1")
	if !outage.Is(err) {
		t.Errorf("query on a connection to a stopped server: Is(%v) = false", err)
	}
	_, err = pgx.Connect(t.Context(), pg.URL("postgres"))
	if !outage.Is(err) {
		t.Errorf("connect to a stopped server: Is(%v) = false", err)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	again, err := pgx.Connect(t.Context(), pg.URL("postgres"))
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	_ = again.Close(t.Context())
}

// closedAddr is a local address on which nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// pgExec runs sql on a fresh test database and returns its error.
func pgExec(t *testing.T, sql string) error {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), testkit.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), sql)
	return err
}

// openBreaker trips a breaker and returns what it answers next.
func openBreaker(t *testing.T) error {
	t.Helper()
	cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		Timeout:     time.Minute,
	})
	_, _ = cb.Execute(func() (struct{}, error) { return struct{}{}, errors.New("peer failed") })
	_, err := cb.Execute(func() (struct{}, error) { return struct{}{}, nil })
	return fmt.Errorf("call peer: %w", err)
}

// startCluster starts a PostgreSQL cluster of the test's own, which it may
// stop and start.
func startCluster(t *testing.T) *testkit.PGCluster {
	t.Helper()
	pg, err := testkit.StartPostgres(testkit.PGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	return pg
}
