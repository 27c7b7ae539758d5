// Package observe_test checks what an operator and a shopper watch, on the
// platform started as it ships (the binaries, real PostgreSQL, NATS
// JetStream and FerretDB) and reached through the gateway: the live event
// streams, and the metrics the Grafana dashboard and Prometheus read.
package observe_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/stack"
)

// wait bounds every poll; generous because the machine may be shared.
const wait = 60 * time.Second

// platform is the stack every test of the package shares, and a gateway
// client per user.
var platform struct {
	stack *stack.Stack
	root  string
	users map[string]*client.Client
}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := os.MkdirTemp("", "eventshop-observe-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "observe:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	if err := start(ctx, bin); err != nil {
		fmt.Fprintln(os.Stderr, "observe: start platform:", err)
		if platform.stack != nil {
			platform.stack.Stop()
		}
		return 1
	}
	defer platform.stack.Stop()
	return m.Run()
}

func start(ctx context.Context, bin string) error {
	root, err := stack.Root()
	if err != nil {
		return err
	}
	platform.root = root
	if err := stack.Build(ctx, root, bin); err != nil {
		return err
	}
	logw, err := os.Create(filepath.Join(os.TempDir(), "eventshop-observe.log"))
	if err != nil {
		return err
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Log: logw, Env: map[string]string{
		// Long enough that a test may hold a saga open by stopping payment.
		"ORDER_SAGA_TIMEOUT":     "5m",
		"GATEWAY_RATE_LIMIT_OFF": "true",
	}})
	if err != nil {
		return err
	}
	platform.stack = s
	issuer := auth.NewIssuer(auth.Config{Secret: s.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, time.Hour)
	gw := client.ViaGateway(s.URL("gateway"))
	platform.users = map[string]*client.Client{}
	for _, user := range []string{"alice", "bob", "admin"} {
		token, err := issuer.Token(user)
		if err != nil {
			return fmt.Errorf("token for %s: %w", user, err)
		}
		platform.users[user] = gw.As(token)
	}
	return nil
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// place places an order of one mouse for user, paid with method.
func place(t *testing.T, user, method string) client.Order {
	t.Helper()
	o, err := platform.users[user].PlaceOrder(testContext(t), []client.Line{{SKU: "SKU-MOUSE", Quantity: 1}}, method, "")
	if err != nil {
		t.Fatalf("place order: %v", err)
	}
	return o
}
