// Command launcher runs the whole platform on this machine without Docker:
// nats-server with JetStream, FerretDB, a PostgreSQL cluster from the local
// server binaries, and every service and the gateway, each as its own
// process that the launcher starts again on the same data when it dies.
// Its data lives in .data/ so a restart keeps the shop's state.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/tools/stack"
)

func main() {
	stack.OneProcEach()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "launcher")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		log.Error("launcher failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	replicas := flag.Int("replicas", 1, "processes of each service that shares a database and durable consumers")
	natsNodes := flag.Int("nats-cluster", 1, "nats-server nodes; 3 runs a JetStream cluster with every stream replicated 3 times")
	traces := flag.Bool("traces", false, "start Jaeger (built into the binaries' directory) and export every service's traces to it")
	flag.Parse()
	root, err := stack.Root()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate binaries: %w", err)
	}
	dataDir := filepath.Join(root, ".data")
	if d := os.Getenv("EVENTSHOP_DATA_DIR"); d != "" {
		dataDir = d
	}
	secret, err := jwtSecret(dataDir)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Println(startingLine(*traces))
	s, err := stack.Start(ctx, stack.Options{
		BinDir: filepath.Dir(exe), DataDir: dataDir, FixedPorts: true, Fsync: true,
		JWTSecret: secret, Log: os.Stdout, Env: passThrough(), PostgresURL: os.Getenv("PG_URL"),
		Replicas: *replicas, NATSNodes: *natsNodes, Traces: *traces,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	defer s.Stop()
	printWelcome(s, time.Since(start))
	<-ctx.Done()
	fmt.Println("\nstopping ...")
	return nil
}

// jwtSecret returns EVENTSHOP_JWT_SECRET, or a random secret kept in the data
// directory so that tokens stay valid across restarts.
func jwtSecret(dataDir string) (string, error) {
	if s := os.Getenv("EVENTSHOP_JWT_SECRET"); s != "" {
		return s, nil
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("write jwt secret: %w", err)
	}
	return secret, nil
}

func startingLine(traces bool) string {
	if traces {
		return "starting Jaeger, NATS JetStream, PostgreSQL, FerretDB and the services ..."
	}
	return "starting NATS JetStream, PostgreSQL, FerretDB and the services ..."
}

// passThrough forwards service variables set in the launcher's environment
// (ORDER_SAGA_TIMEOUT=5s make run) to the services; the stack gives them
// the OTEL_* variables too.
func passThrough() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		for _, svc := range stack.Services {
			if strings.HasPrefix(k, strings.ToUpper(svc)+"_") {
				env[k] = v
			}
		}
	}
	return env
}

func printWelcome(s *stack.Stack, took time.Duration) {
	gw := s.URL("gateway")
	fmt.Printf(`
eventshop is running (ready in %.1fs)

  web UI and API   %s
  NATS             %s
  services         order %s  inventory %s  payment %s  notification %s  provider %s
  replicas         %d of each service, %d NATS node(s)
%s
Try it:
  TOKEN=$(curl -s -X POST %s/api/v1/auth/token -d '{"username":"alice"}' -H 'Content-Type: application/json' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s %s/api/v1/products
  curl -s -X POST %s/api/v1/orders -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
       -d '{"items":[{"sku":"SKU-KEYBOARD","quantity":1}],"payment_method":"tok_visa"}'
  make demo

Ctrl-C stops everything.
`, took.Seconds(), gw, strings.Join(s.NATSURLs, ","), s.URL("order"), s.URL("inventory"), s.URL("payment"),
		s.URL("notification"), s.URL("provider"), len(s.Replicas("order")), len(s.NATSNodes), tracesLine(s), gw, gw, gw)
}

// tracesLine is the welcome's line for Jaeger, or nothing without it.
func tracesLine(s *stack.Stack) string {
	if s.JaegerURL == "" {
		return ""
	}
	return fmt.Sprintf("  traces (Jaeger)  %s/api/traces?service=gateway  (query API; OTLP/HTTP in at %s; docs/trace-viewer.md)\n",
		s.JaegerURL, s.OTLPEndpoint)
}
