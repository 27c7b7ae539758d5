package outage_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/stack"
)

// orders is how many sagas are in flight when PostgreSQL stops.
const orders = 8

// TestPostgresOutageDeadLettersNothing places orders, stops PostgreSQL in
// immediate mode while their payments are being authorised, and keeps it
// down until payment's consumer has redelivered the sagas' events three
// times its MaxDeliver. No event may be dead-lettered; once PostgreSQL is
// back every order must be confirmed, without restarting a service, and the
// books must balance.
func TestPostgresOutageDeadLettersNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := platform.stack
	src := sources(t, s)
	baseline, err := invariants.Snapshot(ctx, src.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	alice, admin := clients(t, s)
	ids := placeOrders(ctx, t, alice)
	testkit.EventuallyErr(t, time.Minute, func() error { return reserved(ctx, admin, orders) })

	if err := s.StopPostgres(ctx); err != nil {
		t.Fatal(err)
	}
	js := jetStream(t, s)
	want := float64(3 * maxDeliver * orders)
	testkit.EventuallyErr(t, 2*time.Minute, func() error {
		n, err := outageRedeliveries(s.URL("payment"))
		if err == nil && n < want {
			err = fmt.Errorf("payment redelivered %v times for the outage, want %v", n, want)
		}
		return err
	})
	if n := dlqDepth(ctx, t, js); n != 0 {
		t.Fatalf("%d events dead-lettered during the outage", n)
	}
	if err := s.StartPostgres(ctx); err != nil {
		t.Fatal(err)
	}

	for _, id := range ids {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		o, err := alice.WaitFinal(wctx, id)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != "CONFIRMED" {
			t.Errorf("order %s is %s, want CONFIRMED", id, o.Status)
		}
	}
	testkit.EventuallyErr(t, time.Minute, func() error { return balanced(ctx, src, js, baseline) })
	if n := dlqDepth(ctx, t, js); n != 0 {
		t.Errorf("%d events dead-lettered", n)
	}
}

// placeOrders places the sagas that the outage interrupts.
func placeOrders(ctx context.Context, t *testing.T, c *client.Client) []string {
	t.Helper()
	skus := []string{"SKU-KEYBOARD", "SKU-MOUSE"}
	ids := make([]string, 0, orders)
	for i := range orders {
		o, err := c.PlaceOrder(ctx, []client.Line{{SKU: skus[i%len(skus)], Quantity: 1}}, "tok_visa", "")
		if err != nil {
			t.Fatalf("place order: %v", err)
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// reserved is nil once at least n units are reserved: inventory handled the
// orders, and payment is authorising them at the slow provider.
func reserved(ctx context.Context, admin *client.Client, n int64) error {
	inv, err := admin.Inventory(ctx)
	if err != nil {
		return err
	}
	var total int64
	for _, s := range inv {
		total += s.Reserved
	}
	if total < n {
		return fmt.Errorf("%d units reserved, want %d", total, n)
	}
	return nil
}

// outageRedeliveries sums a service's eventshop_bus_consumed_total with
// result="outage", read from its /metrics, which it serves while its
// database is down.
func outageRedeliveries(base string) (float64, error) {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "eventshop_bus_consumed_total{") || !strings.Contains(line, `result="outage"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("metric line %q: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

// balanced is nil once the platform is quiet and every invariant holds.
func balanced(ctx context.Context, src invariants.Sources, js jetstream.JetStream, baseline map[string]int64) error {
	if err := invariants.Quiet(ctx, src, js); err != nil {
		return err
	}
	r, err := invariants.Check(ctx, src, invariants.Options{Baseline: baseline})
	if err != nil {
		return err
	}
	if !r.OK() {
		return fmt.Errorf("invariants: %s", r)
	}
	return invariants.Quiet(ctx, src, js) // nothing moved while the stores were read
}

func dlqDepth(ctx context.Context, t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(ctx, bus.StreamDLQ)
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	return s.CachedInfo().State.Msgs
}

// sources opens the stores the invariants are read from, as their owner.
func sources(t *testing.T, s *stack.Stack) invariants.Sources {
	t.Helper()
	var src invariants.Sources
	for svc, dst := range map[string]**pgxpool.Pool{"order": &src.Order, "inventory": &src.Inventory, "payment": &src.Payment} {
		pool, err := pgxpool.New(t.Context(), s.AdminURLs[svc])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		*dst = pool
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	src.Notifications = mc.Database("notification")
	return src
}

// clients returns a customer's and the admin's clients, talking to the
// services directly.
func clients(t *testing.T, s *stack.Stack) (alice, admin *client.Client) {
	t.Helper()
	urls := map[string]string{}
	for _, svc := range stack.Services {
		urls[svc] = s.URL(svc)
	}
	issuer := auth.NewIssuer(auth.Config{Secret: s.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, time.Hour)
	base := client.Direct(urls)
	as := func(user string) *client.Client {
		token, err := issuer.Token(user)
		if err != nil {
			t.Fatal(err)
		}
		return base.As(token)
	}
	return as("alice"), as("admin")
}

// jetStream connects to the stack's NATS, which stays up throughout.
func jetStream(t *testing.T, s *stack.Stack) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(s.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
