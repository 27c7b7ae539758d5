// Package stack starts the whole platform as it runs in production: the
// infrastructure (nats-server with JetStream, PostgreSQL, FerretDB as a
// MongoDB-wire store) and then every service and the gateway, each as its
// own supervised process that is started again when it dies, configured
// only by environment variables. The launcher (`make run`), the end-to-end tests and
// the benchmarks all start the platform through it, so they exercise one path.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eventshop/eventshop/testkit"
)

// Options says where and how to start the platform. The zero value starts
// it in temporary directories on free ports.
type Options struct {
	// BinDir holds the built binaries (see Build). Required.
	BinDir string
	// DataDir keeps the infrastructure's data; empty means a temporary
	// directory removed by Stop.
	DataDir string
	// FixedPorts uses Ports and NATS on 4222 instead of free ports.
	FixedPorts bool
	// Fsync keeps PostgreSQL's fsync on (benchmarks); tests turn it off.
	Fsync bool
	// PostgresURL, when set, is an existing PostgreSQL server to create the
	// services' databases on instead of starting a cluster (PG_URL).
	PostgresURL string
	// JWTSecret signs and verifies tokens; empty means a random one.
	JWTSecret string
	// Env adds or overrides service variables, such as ORDER_SAGA_TIMEOUT.
	Env map[string]string
	// Services limits which services start; nil means all of Services.
	Services []string
	// Replicas is how many processes of each service in Replicated run,
	// sharing its database and durable consumers; 0 and 1 mean one.
	Replicas int
	// NATSNodes is how many nats-server nodes run: 0 and 1 mean one, more
	// a JetStream cluster of that many, each stream replicated on as many
	// nodes, three at most (StreamReplicas).
	NATSNodes int
	// Log receives every process's prefixed output; nil discards it.
	Log io.Writer
	// LogFormat is "text" (default) or "json".
	LogFormat string
	// Traces starts Jaeger (see BuildJaeger; BinDir must hold it) before
	// everything else, and has every service export its traces to it
	// (traceEnv). false starts no Jaeger and exports nothing.
	Traces bool
	// TracingOff, under Traces, starts Jaeger but has the services export
	// nothing until SetTracing turns it on: a benchmark's first figures
	// are then those of a platform without tracing.
	TracingOff bool
	// Route, when set, is asked for the address that from (a service) uses
	// to reach to (nats, postgres, ferretdb or a service) at addr, a
	// host:port; a fault injector answers with a proxy of its own on that
	// link. nil connects every client straight to its server.
	Route func(from, to, addr string) (string, error)
}

// Stack is a running platform.
type Stack struct {
	NATSURL      string
	MongoURL     string
	JWTSecret    string
	DatabaseURLs map[string]string   // each service's own role and database
	AdminURLs    map[string]string   // the same databases as the superuser, for checkers
	Procs        map[string]*Process // the services, by replica name (see Replicas)
	NATS         *Process            // nats-server, the first node of a cluster
	NATSNodes    []*Process          // every nats-server node, NATS first
	NATSURLs     []string            // the client URL of every node, NATSURL first
	Ferret       *Process            // FerretDB
	Postgres     *PostgresServer     // nil when Options.PostgresURL is used
	Jaeger       *Process            // nil unless Options.Traces
	JaegerURL    string              // Jaeger's UI and query API (/api/traces), under Options.Traces
	OTLPEndpoint string              // Jaeger's OTLP/HTTP receiver, under Options.Traces

	opts Options
	// exporting is whether the services are told to export to Jaeger
	// (traceEnv); SetTracing changes it.
	exporting bool
	// exportTo, when set, is where they export instead (ExportTo).
	exportTo string
	ports    map[string]int
	tempDir  string
	logMu    sync.Mutex
}

// Start starts the infrastructure and the services and waits until every
// /readyz answers 200.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.LogFormat == "" {
		opts.LogFormat = "text"
	}
	s := &Stack{opts: opts, Procs: map[string]*Process{}, ports: map[string]int{}, exporting: opts.Traces && !opts.TracingOff}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	if err := s.startInfra(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.startServices(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Stack) prepare() error {
	if s.opts.DataDir == "" {
		dir, err := os.MkdirTemp("", "eventshop-stack-")
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		// PostgreSQL runs as an unprivileged user when we are root; it must
		// be able to reach its directory below this one.
		if err := os.Chmod(dir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		s.tempDir, s.opts.DataDir = dir, dir
	}
	s.JWTSecret = s.opts.JWTSecret
	if s.JWTSecret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		s.JWTSecret = hex.EncodeToString(b)
	}
	for _, svc := range Services {
		for i := 1; i <= s.replicaCount(svc); i++ {
			name := ReplicaName(svc, i)
			if s.opts.FixedPorts {
				s.ports[name] = fixedPort(svc, i)
				continue
			}
			port, err := testkit.FreePort()
			if err != nil {
				return err
			}
			s.ports[name] = port
		}
	}
	return nil
}

func (s *Stack) services() []string {
	if s.opts.Services != nil {
		return s.opts.Services
	}
	return Services
}

func (s *Stack) startServices(ctx context.Context) error {
	colours := map[string]int{"provider": 36, "inventory": 33, "payment": 35, "order": 32, "notification": 34, "gateway": 31}
	for _, name := range s.processes() {
		env, err := s.env(name)
		if err != nil {
			return err
		}
		p := &Process{
			Name: name,
			Path: filepath.Join(s.opts.BinDir, ServiceOf(name)),
			Env:  env,
			Out:  NewPrefixWriter(s.opts.Log, &s.logMu, name, colours[ServiceOf(name)]),
		}
		if err := p.Start(); err != nil {
			return err
		}
		s.Procs[name] = p
	}
	for _, name := range s.processes() {
		if err := waitReady(ctx, s.URL(name)+"/readyz", 60*time.Second); err != nil {
			return fmt.Errorf("%s not ready: %w", name, err)
		}
	}
	// A ready notification service has created its collection.
	if err := testkit.IndexIDLookups(ctx, s.ferretDir()); err != nil {
		return fmt.Errorf("index ferretdb: %w", err)
	}
	return nil
}

// Stop stops the services (gracefully, gateway first) and then the
// infrastructure, and removes a temporary data directory. Call it once.
func (s *Stack) Stop() {
	ctx := context.Background()
	svcs := s.processes()
	for i := len(svcs) - 1; i >= 0; i-- {
		if p := s.Procs[svcs[i]]; p != nil {
			p.Stop(ctx, 15*time.Second)
		}
	}
	s.stopInfra()
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
}

// Port returns the HTTP port of service (or of a replica, by its name).
func (s *Stack) Port(service string) int { return s.ports[service] }

func waitReady(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	return poll(ctx, timeout, func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// poll calls try every 50 ms until it succeeds, ctx ends or timeout passes.
func poll(ctx context.Context, timeout time.Duration, try func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = try(); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.Join(errors.New("timed out"), last)
}

func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LOG_LEVEL", "GOCOVERDIR", "GOMAXPROCS", "GODEBUG", "GOGC"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// WaitReady waits until service's /readyz answers 200, after a restart.
func (s *Stack) WaitReady(ctx context.Context, service string) error {
	return waitReady(ctx, s.URL(service)+"/readyz", 60*time.Second)
}
