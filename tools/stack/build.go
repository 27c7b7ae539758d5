package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Packages maps each binary to its main package, relative to the repository root.
var Packages = map[string]string{
	"order":        "./services/order/cmd/order",
	"inventory":    "./services/inventory/cmd/inventory",
	"payment":      "./services/payment/cmd/payment",
	"notification": "./services/notification/cmd/notification",
	"provider":     "./services/provider/cmd/provider",
	"gateway":      "./gateway/cmd/gateway",
	// the infrastructure, each a process of its own so that it can crash
	// and be restarted alone
	"nats-server": "github.com/nats-io/nats-server/v2",
	"ferretdb":    "./tools/cmd/ferretdb",
}

// Infrastructure names the infrastructure binaries Build makes beside the
// services.
var Infrastructure = []string{"nats-server", "ferretdb"}

// Build compiles every service binary and nats-server and FerretDB into
// binDir with one go build, using the workspace at root.
func Build(ctx context.Context, root, binDir string) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("bin dir: %w", err)
	}
	abs, err := filepath.Abs(binDir)
	if err != nil {
		return fmt.Errorf("bin dir: %w", err)
	}
	args := []string{"build", "-o", abs + string(filepath.Separator)}
	for _, name := range append(Infrastructure, Services...) {
		args = append(args, Packages[name])
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// Root finds the repository root (the directory holding go.work) from the
// working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}
