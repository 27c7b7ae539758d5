package scale_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
	"github.com/eventshop/eventshop/tools/stack"
)

// binDir holds the binaries every test's platform runs.
var binDir string

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	stack.OneProcEach()
	dir, err := os.MkdirTemp("", "eventshop-scale-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := stack.Root()
	if err == nil {
		err = stack.Build(ctx, root, binDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale: build:", err)
		return 1
	}
	return m.Run()
}

// start starts a platform of replicas per service on nodes NATS nodes,
// logging to a file named after the test, and stops it when the test ends.
func start(t *testing.T, replicas, nodes int) *scale.Platform {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the platform scaled out for minutes")
	}
	logw, err := os.Create(filepath.Join(os.TempDir(), "eventshop-scale-"+t.Name()+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logw.Close() })
	t.Logf("platform log: %s", logw.Name())
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	p, err := scale.Start(ctx, stack.Options{BinDir: binDir, Log: logw, Fsync: true,
		Replicas: replicas, NATSNodes: nodes, Env: scale.Env()})
	if err != nil {
		t.Fatalf("start platform: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// settle waits for every accepted order to be final and the platform to be
// quiet, and fails the test on any lost, duplicated or stuck effect.
func settle(ctx context.Context, t *testing.T, p *scale.Platform, ids []string) {
	t.Helper()
	byStatus, err := scale.AwaitFinal(ctx, p.Customer, ids, 3*time.Minute)
	if err != nil {
		t.Fatalf("orders not final: %v", err)
	}
	t.Logf("orders by status: %v", byStatus)
	report, err := p.Settle(ctx, 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		t.Fatalf("invariants broken:\n%s", report)
	}
}
