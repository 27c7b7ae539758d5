package load_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/load"
	"github.com/eventshop/eventshop/tools/stack"
)

// startPlatform builds the binaries and starts the whole platform, each
// part as its own process, as `make run` does.
func startPlatform(t *testing.T, ctx context.Context) *stack.Stack {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := stack.Build(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "platform.log")
	if p := os.Getenv("LOAD_TEST_LOG"); p != "" {
		logPath = p // kept for a look after the test
	}
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Log: logf, PostgresURL: os.Getenv("PG_URL"), Env: map[string]string{
		// A timed-out payment ends its saga in 300 ms rather than seconds.
		"PAYMENT_PROVIDER_TIMEOUT": "300ms",
		"ORDER_SAGA_TIMEOUT":       "10s",
		// Each tok_timeout order is three timed-out attempts, so two in a
		// row open the provider's breaker and cancel every order for its
		// open period; the counts here are about the generator, not that.
		"PAYMENT_BREAKER_TRIP_AFTER": "1000",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// storesOf locates a test stack's databases.
func storesOf(s *stack.Stack) load.Stores {
	return load.Stores{Postgres: s.AdminURLs["order"], Mongo: s.MongoURL}
}

func TestRunAgainstThePlatform(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startPlatform(t, ctx)
	src, closeStores, err := storesOf(s).Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStores()
	tokens, err := load.NewSignedTokens(s.JWTSecret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	oplog := load.NewOpLog(&logBuf)
	cfg := load.Config{
		Gateway: s.URL("gateway"), Pacer: load.Constant(40), Duration: 4 * time.Second,
		Mix:       load.Mix{load.OpPlace: 5, load.OpBrowse: 1, load.OpList: 1, load.OpRead: 1, load.OpCancel: 1, load.OpFollow: 1},
		Cards:     load.Cards{load.CardVisa: 6, load.CardDecline: 2, load.CardTimeout: 2},
		Customers: 20, Tokens: tokens, Log: oplog, SettleTimeout: time.Minute,
	}
	r, err := load.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	baseline, err := invariants.Snapshot(ctx, src.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	fault := load.Fault{Kind: "latency", Target: "gateway", Start: r.Began().Add(time.Second), End: r.Began().Add(2 * time.Second)}
	r.AddFault(fault)
	rep, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	sum := rep.Summary
	t.Logf("summary: %+v", sum)

	if p := os.Getenv("LOAD_TEST_OPLOG"); p != "" {
		_ = os.WriteFile(p, logBuf.Bytes(), 0o644) // kept for a look after the test
	}
	checkCounts(t, sum)
	checkOpLog(t, &logBuf, sum)
	checkHTML(t, rep)
	ir, err := load.CheckInvariants(ctx, src, invariants.Options{Baseline: baseline}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !ir.OK() {
		t.Errorf("invariants after the run: %s", ir)
	}
}

// checkCounts: every placed order reached a final status, of each kind the
// cards ask for, and every arrival is an operation of the mix.
func checkCounts(t *testing.T, sum load.Summary) {
	t.Helper()
	if sum.Orders < 20 {
		t.Fatalf("%d orders placed, want at least 20 of the ~80 scheduled", sum.Orders)
	}
	if sum.Stuck != 0 || sum.Confirmed+sum.Rejected+sum.Cancelled != sum.Orders {
		t.Errorf("%d orders: %d confirmed + %d rejected + %d cancelled, %d stuck; want every order final",
			sum.Orders, sum.Confirmed, sum.Rejected, sum.Cancelled, sum.Stuck)
	}
	if sum.Confirmed == 0 || sum.Cancelled == 0 {
		t.Errorf("confirmed %d, cancelled %d: want both from the mix of cards", sum.Confirmed, sum.Cancelled)
	}
	ops := 0
	for _, op := range load.MixOps {
		c := sum.Ops[op]
		ops += c.N + c.Skipped
	}
	if ops != sum.Arrivals {
		t.Errorf("operations %d != arrivals %d", ops, sum.Arrivals)
	}
	if sum.Arrivals < 140 || sum.Arrivals > 170 {
		t.Errorf("%d arrivals, want 160 (40/s for 4 s) give or take the last", sum.Arrivals)
	}
	if sum.Errors != 0 {
		t.Errorf("%d operations failed on a healthy platform", sum.Errors)
	}
	if sum.Requests < sum.Arrivals || sum.HTTPP50 <= 0 || sum.HTTPP99 < sum.HTTPP50 || sum.SagaP99 < sum.SagaP50 || sum.SagaP50 <= 0 {
		t.Errorf("requests %d, http p50 %s p99 %s, saga p50 %s p99 %s: want measured figures",
			sum.Requests, sum.HTTPP50, sum.HTTPP99, sum.SagaP50, sum.SagaP99)
	}
}

// checkOpLog: every line parses, and the log tells the same story as the
// summary: one line per operation, one saga line per placed order, and
// the fault.
func checkOpLog(t *testing.T, log *bytes.Buffer, sum load.Summary) {
	t.Helper()
	entries, err := load.ReadOpLog(log)
	if err != nil {
		t.Fatal(err)
	}
	perOp := map[load.Op]int{}
	placed, sagas, faults := map[string]bool{}, map[string]string{}, 0
	for _, e := range entries {
		if e.End.Before(e.Start) {
			t.Errorf("entry ends before it starts: %+v", e)
		}
		switch e.Op {
		case load.OpSaga:
			sagas[e.OrderID] = e.Result
		case load.OpFault:
			faults++
		default:
			perOp[e.Op]++
			if e.Op == load.OpPlace && e.Result == "ok" {
				placed[e.OrderID] = true
			}
		}
	}
	for _, op := range load.MixOps {
		if c := sum.Ops[op]; perOp[op] != c.N+c.Skipped {
			t.Errorf("%s: %d log lines, summary counts %d", op, perOp[op], c.N+c.Skipped)
		}
	}
	if len(placed) != sum.Orders || len(sagas) != sum.Orders || faults != 1 {
		t.Errorf("log: %d placed, %d sagas, %d faults; summary: %d orders, 1 fault", len(placed), len(sagas), faults, sum.Orders)
	}
	final := map[string]int{}
	for id, status := range sagas {
		if !placed[id] {
			t.Errorf("saga of order %s that was never placed", id)
		}
		final[status]++
	}
	if final["CONFIRMED"] != sum.Confirmed || final["CANCELLED"] != sum.Cancelled || final["REJECTED"] != sum.Rejected {
		t.Errorf("log's final statuses %v, summary confirmed %d cancelled %d rejected %d",
			final, sum.Confirmed, sum.Cancelled, sum.Rejected)
	}
}

// checkHTML: one page with the four plots, the fault shaded and listed,
// and the name=value figures.
func checkHTML(t *testing.T, rep *load.Report) {
	t.Helper()
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if n := strings.Count(html, "<svg"); n != 4 {
		t.Errorf("%d SVG plots in the page, want 4", n)
	}
	for _, want := range []string{"Throughput", "HTTP latency", "Saga latency", "Outcomes", "latency</td><td>gateway", "confirmed_per_s"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	var lines bytes.Buffer
	if err := rep.WriteSummary(&lines); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"requests=", "rps=", "errors=", "http_p50_ms=", "http_p99_ms=", "orders=", "confirmed=",
		"rejected=", "cancelled=", "saga_p50_ms=", "saga_p99_ms=", "confirmed_per_s=", "faults=1"} {
		if !strings.Contains(lines.String(), "\n"+want) && !strings.HasPrefix(lines.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, lines.String())
		}
	}
}
