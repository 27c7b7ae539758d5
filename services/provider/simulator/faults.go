package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are the injected faults applied to every provider call.
type Faults struct {
	// Latency is added before every call is answered. Zero adds nothing.
	Latency time.Duration
	// FailureRate is the share of calls, 0..1, answered with 503 before any
	// state changes. Zero fails nothing.
	FailureRate float64
}

// ErrFaults means a fault setting is out of range.
var ErrFaults = errors.New("invalid fault settings")

func (f Faults) validate() error {
	if f.Latency < 0 {
		return fmt.Errorf("%w: latency must not be negative", ErrFaults)
	}
	if f.FailureRate < 0 || f.FailureRate > 1 {
		return fmt.Errorf("%w: failure_rate must be within 0..1", ErrFaults)
	}
	return nil
}

// MarshalJSON writes {"latency":"50ms","failure_rate":0.2}.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{Latency: f.Latency.String(), FailureRate: &f.FailureRate})
}

// faultsJSON is the wire form; absent fields leave a setting unchanged.
type faultsJSON struct {
	Latency     string   `json:"latency,omitempty"`
	FailureRate *float64 `json:"failure_rate,omitempty"`
}

// apply returns f changed by the fields present in body.
func (body faultsJSON) apply(f Faults) (Faults, error) {
	if body.Latency != "" {
		d, err := time.ParseDuration(body.Latency)
		if err != nil {
			return f, fmt.Errorf("%w: latency: %w", ErrFaults, err)
		}
		f.Latency = d
	}
	if body.FailureRate != nil {
		f.FailureRate = *body.FailureRate
	}
	return f, f.validate()
}

// injector holds the current faults and the seeded random source that
// decides which calls fail, so a run with the same seed fails the same calls.
type injector struct {
	mu  sync.Mutex
	cur Faults
	rng *rand.Rand
}

func newInjector(f Faults, seed uint64) *injector {
	return &injector{cur: f, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (in *injector) get() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur
}

func (in *injector) set(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	in.mu.Lock()
	in.cur = f
	in.mu.Unlock()
	return nil
}

// draw returns the latency to add and whether this call fails.
func (in *injector) draw() (time.Duration, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	fail := in.cur.FailureRate > 0 && in.rng.Float64() < in.cur.FailureRate
	return in.cur.Latency, fail
}
