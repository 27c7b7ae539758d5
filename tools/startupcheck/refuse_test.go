package startupcheck_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/tools/stack"
)

// binaries are the binaries that verify tokens, with their variables'
// prefix.
var binaries = map[string]string{
	"gateway": "GATEWAY_", "order": "ORDER_", "inventory": "INVENTORY_",
	"payment": "PAYMENT_", "notification": "NOTIFICATION_",
}

// TestBinariesRefuseTheDevelopmentSecret starts each real binary with the
// published development secret and without EVENTSHOP_ENV, and expects it to
// exit non-zero with one log line that names the variable to set, before
// it connects to anything (its database URL points nowhere).
func TestBinariesRefuseTheDevelopmentSecret(t *testing.T) {
	dir := build(t)
	for name, prefix := range binaries {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(dir, name))
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"),
				prefix + "JWT_SECRET=" + startup.DevelopmentSecret,
				prefix + "DATABASE_URL=postgres://127.0.0.1:1/nowhere",
				prefix + "HTTP_ADDR=127.0.0.1:0",
			}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 || ctx.Err() != nil {
				t.Fatalf("%s: err = %v, want a non-zero exit at once\n%s", name, err, out)
			}
			var refusals []string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "refusing to start") {
					refusals = append(refusals, line)
				}
			}
			if len(refusals) != 1 {
				t.Fatalf("%s: %d refusal lines, want one:\n%s", name, len(refusals), out)
			}
			for _, want := range []string{prefix + "JWT_SECRET", startup.EnvVar + "=" + startup.Local} {
				if !strings.Contains(refusals[0], want) {
					t.Errorf("%s: the refusal %q does not name %s", name, refusals[0], want)
				}
			}
		})
	}
}

// build compiles the binaries into a temporary directory with one go build.
func build(t *testing.T) string {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for name := range binaries {
		args = append(args, stack.Packages[name])
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}
