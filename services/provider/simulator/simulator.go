package simulator

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultHoldLimit bounds how long a tok_timeout request is held when the
// client never gives up.
const DefaultHoldLimit = 60 * time.Second

// Config configures a Simulator.
type Config struct {
	// Faults are the faults injected from the start; the zero value injects none.
	Faults Faults
	// Seed seeds the random source that picks failing calls. Zero uses 1.
	Seed uint64
	// HoldLimit bounds how long tok_timeout holds a request. Zero means
	// DefaultHoldLimit.
	HoldLimit time.Duration
	// DataDir keeps the state (authorizations, their idempotency keys,
	// captures and voids) in a journal that a restart replays, so that a
	// killed simulator still knows what it authorized. Empty keeps the state
	// in memory only: a restart forgets every authorization. One simulator
	// at a time may use a directory.
	DataDir string
	// Logger reports the journal's replay. Nil logs nothing.
	Logger *slog.Logger
	// Registerer receives the simulator's metrics. Nil registers none, which
	// lets tests start many simulators in one process.
	Registerer prometheus.Registerer
}

// Simulator is the payment provider: an http.Handler serving /v1/... routes.
type Simulator struct {
	ledger    *ledger
	faults    *injector
	holdLimit time.Duration
	requests  *prometheus.CounterVec
	mux       *http.ServeMux
}

// New returns a simulator with cfg's faults already in force.
func New(cfg Config) (*Simulator, error) {
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.HoldLimit <= 0 {
		cfg.HoldLimit = DefaultHoldLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := openLedger(cfg.DataDir, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		ledger:    l,
		faults:    newInjector(cfg.Faults, cfg.Seed),
		holdLimit: cfg.HoldLimit,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "provider_requests_total",
			Help: "Provider calls by operation and answered status code.",
		}, []string{"operation", "code"}),
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(s.requests); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	s.mux = s.routes()
	return s, nil
}

// openLedger returns a ledger in memory when dir is empty, or one replayed
// from and journaled to dir.
func openLedger(dir string, log *slog.Logger) (*ledger, error) {
	if dir == "" {
		return newLedger(nil, nil), nil
	}
	j, entries, err := openJournal(dir, log)
	if err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	log.Info("journal replayed", slog.String("data_dir", dir), slog.Int("entries", len(entries)))
	return newLedger(j, entries), nil
}

// Close closes the journal, if any. Call it once the simulator no longer
// serves requests; every answered change is already on disk.
func (s *Simulator) Close() error {
	if s.ledger.journal == nil {
		return nil
	}
	return s.ledger.journal.close()
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/authorizations", s.faulty("authorize", s.authorize))
	// The listing is for checks and operators, so injected faults spare it.
	mux.HandleFunc("GET /v1/authorizations", s.list)
	mux.Handle("GET /v1/authorizations/{id}", s.faulty("get", s.get))
	mux.Handle("POST /v1/authorizations/{id}/capture", s.faulty("capture", s.capture))
	mux.Handle("POST /v1/authorizations/{id}/void", s.faulty("void", s.void))
	mux.HandleFunc("GET /v1/admin/faults", s.getFaults)
	mux.HandleFunc("POST /v1/admin/faults", s.setFaults)
	return mux
}

// ServeHTTP serves the provider API.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Faults returns the faults in force.
func (s *Simulator) Faults() Faults { return s.faults.get() }

// SetFaults changes the faults in force; it fails with ErrFaults when a
// setting is out of range.
func (s *Simulator) SetFaults(f Faults) error { return s.faults.set(f) }

// Authorizations returns every authorization, oldest first, so that checks
// can compare the provider's view with the payment service's.
func (s *Simulator) Authorizations() []Authorization { return s.ledger.list() }
