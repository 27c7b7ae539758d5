// Command load drives a running platform through its gateway at a chosen
// arrival rate, open loop, shows a live view while it runs, and ends with
// name=value lines, an HTML report with plots, an operation log and the
// saga's invariant check. `make load` runs it against `make run`.
//
// Customers: the command signs one token per synthetic customer with the
// platform's JWT secret, as an identity provider would, so each customer is
// a distinct user (load-<run>-<n>) to the per-user rate limits and to "own
// orders only". The secret is EVENTSHOP_JWT_SECRET when set, otherwise the
// one `make run` keeps in .data/jwt-secret. The same secret signs an admin
// token, used before the run to restock products that are short.
//
// Invariants: after the run the command reads the services' databases
// (for `make run`: PostgreSQL on 127.0.0.1:5432, or PG_URL's server, and
// FerretDB on 127.0.0.1:27017) and checks every order final, stock
// conserved, captures and notifications exact. -check=false skips it.
//
// It exits 1 when an order is stuck or an invariant is broken.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/eventshop/eventshop/tools/load"
	"github.com/eventshop/eventshop/tools/stack"
)

type config struct {
	gateway   string
	schedule  string
	duration  time.Duration
	mix       string
	cards     string
	customers int
	trackers  int
	settle    time.Duration
	out       string
	check     bool
	within    time.Duration
	postgres  string
	mongo     string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.gateway, "gateway", "http://localhost:8080", "the gateway's base URL")
	flag.StringVar(&cfg.schedule, "rate", "100", "operations per second: RATE, constant:RATE, ramp:FROM:TO or steps:R1:R2:... (over -duration)")
	flag.DurationVar(&cfg.duration, "duration", time.Minute, "how long operations keep leaving")
	flag.StringVar(&cfg.mix, "mix", load.DefaultMix().String(), "weights of the operations")
	flag.StringVar(&cfg.cards, "cards", load.DefaultCards().String(), "weights of the cards orders are paid with")
	flag.IntVar(&cfg.customers, "customers", load.DefaultCustomers, "distinct synthetic customers")
	flag.IntVar(&cfg.trackers, "trackers", load.DefaultTrackers, "concurrent polls following placed orders to their end")
	flag.DurationVar(&cfg.settle, "settle", load.DefaultSettleTimeout, "how long placed orders are followed after the last arrival")
	flag.StringVar(&cfg.out, "out", "", "folder for report.html, oplog.jsonl and summary.txt (default .data/load/<time>)")
	flag.BoolVar(&cfg.check, "check", true, "check the saga's invariants in the databases after the run")
	flag.DurationVar(&cfg.within, "check-within", 2*time.Minute, "how long the invariants may take to hold after the run")
	flag.StringVar(&cfg.postgres, "postgres", defaultPostgres(), "PostgreSQL server URL (superuser) for the invariant check")
	flag.StringVar(&cfg.mongo, "mongo", load.LocalStores().Mongo, "MongoDB-wire URL of the notification store for the invariant check")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "load")
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(interrupted, stop, cfg, log)
	if err != nil {
		log.Error("load failed", "err", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// defaultPostgres is PG_URL's server when `make run` was given one, or the
// cluster `make run` starts.
func defaultPostgres() string {
	if u := os.Getenv("PG_URL"); u != "" {
		return u
	}
	return load.LocalStores().Postgres
}

// jwtSecret is EVENTSHOP_JWT_SECRET, or the secret `make run` keeps.
func jwtSecret() (string, error) {
	if s := os.Getenv("EVENTSHOP_JWT_SECRET"); s != "" {
		return s, nil
	}
	dir := os.Getenv("EVENTSHOP_DATA_DIR")
	if dir == "" {
		root, err := stack.Root()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".data")
	}
	b, err := os.ReadFile(filepath.Join(dir, "jwt-secret"))
	if err != nil {
		return "", fmt.Errorf("jwt secret: set EVENTSHOP_JWT_SECRET or start the platform with make run: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// outDir creates the folder for the run's files.
func outDir(cfg config) (string, error) {
	dir := cfg.out
	if dir == "" {
		root, err := stack.Root()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".data", "load", time.Now().UTC().Format("20060102-150405"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("output folder: %w", err)
	}
	return dir, nil
}

// liveView shows the view on stdout, refreshed in place, when stdout is a
// terminal; otherwise a plain line every 5 s on stderr, so stdout holds only
// the name=value lines.
func liveView(lc *load.Config) {
	if term.IsTerminal(int(os.Stdout.Fd())) {
		lc.Live, lc.LiveRefresh, lc.LiveEvery = os.Stdout, true, time.Second
		return
	}
	lc.Live, lc.LiveEvery = os.Stderr, 5*time.Second
}
