// Package e2e_test runs the order saga end to end: the four services, the
// payment provider and the gateway as the binaries they ship as, on a real
// PostgreSQL, NATS JetStream and FerretDB, configured only through the
// environment.
package e2e_test

import (
	"context"
	"fmt"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/stack"
)

// shop is the platform every test in this package shares; the tests run one
// after another, and each leaves the platform quiet and its invariants intact.
var shop struct {
	stack    *stack.Stack
	sources  invariants.Sources
	baseline map[string]int64
	alice    *client.Client
	bob      *client.Client
	admin    *client.Client
	binDir   string // the binaries, kept while the stack may restart a service
	js       jetstream.JetStream
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	timeout := 3 * time.Minute
	if os.Getenv("E2E_TRACES") != "" {
		timeout = 20 * time.Minute // the first build of Jaeger compiles a large tree
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := startShop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start platform:", err)
		if shop.stack != nil {
			shop.stack.Stop()
		}
		return 1
	}
	defer os.RemoveAll(shop.binDir)
	defer shop.stack.Stop()
	return m.Run()
}

func startShop(ctx context.Context) error {
	root, err := stack.Root()
	if err != nil {
		return err
	}
	bin, err := os.MkdirTemp("", "eventshop-e2e-bin-")
	if err != nil {
		return err
	}
	shop.binDir = bin
	if err := stack.Build(ctx, root, bin); err != nil {
		return err
	}
	// E2E_TRACES=1 runs the platform with Jaeger, every service exporting
	// to it, so that the waterfall draws the order's spans too.
	traces := os.Getenv("E2E_TRACES") != ""
	if traces {
		if err := stack.BuildJaeger(ctx, root, bin); err != nil {
			return err
		}
	}
	var logw *os.File
	if os.Getenv("E2E_LOG") != "" {
		logw = os.Stderr
	} else if logw, err = os.Create(filepath.Join(os.TempDir(), "eventshop-e2e.log")); err != nil {
		return err
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Log: logw, Traces: traces, Env: map[string]string{
		"ORDER_SAGA_TIMEOUT":       "4s",
		"PAYMENT_PROVIDER_TIMEOUT": "300ms",
		"GATEWAY_RATE_LIMIT_OFF":   "true",
		// Spans are exported within a fifth of a second (with E2E_TRACES).
		"OTEL_BSP_SCHEDULE_DELAY": "200",
	}})
	if err != nil {
		return err
	}
	shop.stack = s
	if err := connectSources(ctx, s); err != nil {
		return err
	}
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	if shop.js, err = jetstream.New(nc); err != nil {
		return err
	}
	if shop.baseline, err = invariants.Snapshot(ctx, shop.sources.Inventory); err != nil {
		return err
	}
	return newClients(s)
}

func connectSources(ctx context.Context, s *stack.Stack) error {
	pools := map[string]**pgxpool.Pool{"order": &shop.sources.Order, "inventory": &shop.sources.Inventory, "payment": &shop.sources.Payment}
	for svc, dst := range pools {
		pool, err := pgxpool.New(ctx, s.AdminURLs[svc])
		if err != nil {
			return fmt.Errorf("connect %s database: %w", svc, err)
		}
		*dst = pool
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURL))
	if err != nil {
		return fmt.Errorf("connect mongo: %w", err)
	}
	shop.sources.Notifications = mc.Database("notification")
	return nil
}

func newClients(s *stack.Stack) error {
	urls := map[string]string{}
	for _, svc := range stack.Services {
		urls[svc] = s.URL(svc)
	}
	issuer := auth.NewIssuer(auth.Config{Secret: s.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, time.Hour)
	base := client.Direct(urls)
	for user, dst := range map[string]**client.Client{"alice": &shop.alice, "bob": &shop.bob, "admin": &shop.admin} {
		token, err := issuer.Token(user)
		if err != nil {
			return fmt.Errorf("token for %s: %w", user, err)
		}
		*dst = base.As(token)
	}
	return nil
}
