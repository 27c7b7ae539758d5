package load

import "context"

// state is a run's moving parts.
type state struct{ r *Run }

func newState(r *Run) *state { return &state{r: r} }

func (s *state) stats() Stats { return Stats{} }

func (r *Run) prepare(ctx context.Context) error { return nil }

func (r *Run) run(ctx context.Context) { close(r.done) }

func fillDefaults(cfg Config) Config { return cfg }
