// Package outage_test stops the platform's PostgreSQL under running sagas,
// for longer than the consumers' whole redelivery schedule, and checks that
// nothing is dead-lettered and every saga completes with the books exact
// once it is back. It starts a platform of its own: the services run with a
// short redelivery schedule, PostgreSQL with its durable settings, and the
// payment provider slow enough that sagas are in flight when it stops.
package outage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/stack"
)

// platform is the stack the tests of this package share, and where its
// binaries are.
var platform struct {
	stack  *stack.Stack
	binDir string
}

// maxDeliver is the consumers' MaxDeliver in this stack: with a 100 ms
// backoff their whole schedule is over in a fraction of a second, so any
// outage of seconds outlasts it.
const maxDeliver = 2

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	stack.OneProcEach()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "outage: start platform:", err)
		if platform.stack != nil {
			platform.stack.Stop()
		}
		_ = os.RemoveAll(platform.binDir)
		return 1
	}
	defer os.RemoveAll(platform.binDir)
	defer platform.stack.Stop()
	return m.Run()
}

func start(ctx context.Context) error {
	root, err := stack.Root()
	if err != nil {
		return err
	}
	if platform.binDir, err = os.MkdirTemp("", "eventshop-outage-bin-"); err != nil {
		return err
	}
	if err := stack.Build(ctx, root, platform.binDir); err != nil {
		return err
	}
	logw, err := os.Create(filepath.Join(os.TempDir(), "eventshop-outage.log"))
	if err != nil {
		return err
	}
	platform.stack, err = stack.Start(ctx, stack.Options{BinDir: platform.binDir, Log: logw, Fsync: true, Env: env()})
	return err
}

// env is the stack's configuration: a short redelivery schedule for every
// consumer, and a provider that takes its time, so that authorisations are
// in flight when PostgreSQL stops.
func env() map[string]string {
	vars := map[string]string{
		"PROVIDER_LATENCY":         "1500ms",
		"PAYMENT_PROVIDER_TIMEOUT": "5s",
		"GATEWAY_RATE_LIMIT_OFF":   "true",
	}
	for _, svc := range []string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION"} {
		vars[svc+"_CONSUMER_MAX_DELIVER"] = fmt.Sprint(maxDeliver)
		vars[svc+"_CONSUMER_BACKOFF"] = "100ms"
		vars[svc+"_CONSUMER_OUTAGE_BACKOFF_MAX"] = "1s"
	}
	return vars
}
