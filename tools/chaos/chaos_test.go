package chaos_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/chaos"
	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/load"
	"github.com/eventshop/eventshop/tools/stack"
)

// TestShortRun runs the short schedule (a service killed, a black hole
// between a service and its database, nats-server killed and restarted)
// under load and expects nothing lost, duplicated or stuck; then it drops
// one acknowledged event on purpose and expects the checker to count
// exactly that one as lost.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole platform for minutes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	p := startPlatform(ctx, t)
	out := t.TempDir()
	res, err := chaos.Run(ctx, p, chaos.Config{
		Schedule: chaos.Short(), Rate: 20, OutDir: out, SettleWithin: 3 * time.Minute,
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("short run:\n%s", lines(res))
	if len(res.Windows) != 3 {
		t.Errorf("%d faults injected, want 3", len(res.Windows))
	}
	if res.Load.Summary.Orders == 0 {
		t.Fatal("no order accepted")
	}
	if !res.Verdict.OK() {
		t.Fatalf("lost %d, duplicated %d, stuck %d:\n%s\ndead letters %v, missing %v", res.Verdict.Lost,
			res.Verdict.Duplicated, res.Verdict.Stuck, res.Verdict.Report, res.Verdict.DeadLetters, res.Verdict.Missing)
	}
	t.Run("a dropped acknowledged event is lost=1", func(t *testing.T) {
		tokens, err := load.NewSignedTokens(p.Stack.JWTSecret, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		stock, err := invariants.Snapshot(ctx, p.Sources.Inventory)
		if err != nil {
			t.Fatal(err)
		}
		id, err := chaos.DropOneAcked(ctx, p, tokens)
		if err != nil {
			t.Fatalf("drop one event: %v", err)
		}
		// The bound is the settling a notification needs, many times over.
		v, err := chaos.Check(ctx, p, chaos.NewEvents(p.JS), []string{id}, stock, 30*time.Second)
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		if v.Lost != 1 || v.Duplicated != 0 || v.Stuck != 0 {
			t.Fatalf("lost %d, duplicated %d, stuck %d; want lost 1 only:\n%s", v.Lost, v.Duplicated, v.Stuck, v.Report)
		}
		if got := v.Report.Violations[0]; got.OrderID != id || got.Rule != "one_notification" {
			t.Errorf("violation %s, want one_notification of order %s", got, id)
		}
	})
}

func startPlatform(ctx context.Context, t *testing.T) *chaos.Platform {
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
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := chaos.StartPlatform(ctx, bin, logFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("end of the platform's log:\n%s", b)
		}
	})
	return p
}

func lines(res chaos.Result) string {
	var s string
	for _, kv := range res.Lines() {
		s += kv[0] + "=" + kv[1] + "\n"
	}
	return s
}
