package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/eventshop/eventshop/tools/stack"
)

// catalogue is the real inventory service with its PostgreSQL and NATS,
// started the way the platform runs. The cache figure is compared with it:
// the cache is worth what it saves over asking the service, not over a
// handler that answers a constant.
type catalogue struct {
	stack *stack.Stack
	bin   string // directory of the built binaries, the gateway's included
	url   string // the inventory service's base URL
}

// startCatalogue builds the platform's binaries into dir/bin and starts
// inventory with fsync on, as in production.
func startCatalogue(ctx context.Context, dir string) (*catalogue, error) {
	root, err := stack.Root()
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	bin := filepath.Join(dir, "bin")
	fmt.Fprintln(os.Stderr, "building the platform binaries")
	if err := stack.Build(ctx, root, bin); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// Inventory is the baseline of the cache ratio: it runs as wide as the
	// machine, not with the stack's single P, so that a narrower service
	// does not flatter the cache.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		if err := os.Setenv("GOMAXPROCS", strconv.Itoa(runtime.NumCPU())); err != nil {
			return nil, err
		}
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Fsync: true, Services: []string{"inventory"}, Log: io.Discard})
	if err != nil {
		return nil, fmt.Errorf("start inventory: %w", err)
	}
	return &catalogue{stack: s, bin: bin, url: s.URL("inventory")}, nil
}

// stop ends inventory, PostgreSQL and NATS and removes their data.
func (c *catalogue) stop() { c.stack.Stop() }
