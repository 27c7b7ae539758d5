package chaos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eventshop/eventshop/pkg/bus"
)

// The kinds of fault a Schedule can hold.
const (
	KindKill        = "kill"          // kill -9 of one service; its supervisor starts it again
	KindKillTwo     = "kill_two"      // kill -9 of two services at once
	KindNATSKill    = "nats_kill"     // kill -9 of nats-server, restarted on the same store after Hold
	KindPGImmediate = "pg_immediate"  // PostgreSQL stopped in immediate mode, started after Hold
	KindFerretKill  = "ferretdb_kill" // kill -9 of FerretDB, restarted after Hold
	KindLatency     = "latency"       // latency with jitter on a link
	KindBandwidth   = "bandwidth"     // a bandwidth cap on a link
	KindReset       = "reset"         // every connection of a link reset when it carries data
	KindBlackhole   = "blackhole"     // a link carries nothing, its connections stay open
	KindProvider    = "provider_down" // the payment provider down long enough to open the breaker
	KindSlowHandler = "slow_handler"  // a handler's store answers later than the consumer's ack wait
	KindDuplicates  = "duplicates"    // published events again under fresh message ids, and poison events
)

// ackWait is the ack wait of every consumer of the platform.
const ackWait = bus.DefaultAckWait

// Fault is one fault of a schedule: what breaks, where, for how long.
type Fault struct {
	Kind string
	// Target is a service ("payment"), two joined by "+" for KindKillTwo,
	// or a link ("payment->postgres") for the link faults.
	Target string
	// Hold is how long the fault lasts; a killed service's fault lasts
	// until it is ready again.
	Hold time.Duration
}

// Window is a fault as it happened.
type Window struct {
	Fault
	Start, End time.Time
	Detail     string
}

// Inject breaks what f says, holds it, repairs it, and returns the window.
func (p *Platform) Inject(ctx context.Context, f Fault, ev *Events) (Window, error) {
	w := Window{Fault: f, Start: time.Now()}
	var err error
	switch f.Kind {
	case KindKill, KindKillTwo:
		err = p.kill(ctx, strings.Split(f.Target, "+"))
	case KindNATSKill:
		p.Stack.NATS.Down()
		err = restartAfter(ctx, f.Hold, p.Stack.NATS.Start)
	case KindPGImmediate:
		if err = p.Stack.Postgres.StopImmediate(); err == nil {
			err = restartAfter(ctx, f.Hold, p.Stack.Postgres.Start)
		}
	case KindFerretKill:
		p.Stack.Ferret.Down()
		err = restartAfter(ctx, f.Hold, p.Stack.Ferret.Start)
	case KindProvider:
		prov := p.Stack.Procs["provider"]
		prov.Down()
		if err = restartAfter(ctx, f.Hold, prov.Start); err == nil {
			err = p.Stack.WaitReady(ctx, "provider")
		}
	case KindDuplicates:
		w.Detail, err = ev.Flood(ctx)
	default:
		err = p.toxic(ctx, f)
	}
	w.End = time.Now()
	if err != nil {
		return w, fmt.Errorf("%s on %s: %w", f.Kind, f.Target, err)
	}
	return w, nil
}

// kill sends SIGKILL to each service at once and waits until every one
// is ready again.
func (p *Platform) kill(ctx context.Context, services []string) error {
	for _, svc := range services {
		proc, ok := p.Stack.Procs[svc]
		if !ok {
			return fmt.Errorf("no service %s", svc)
		}
		if err := proc.Kill(); err != nil {
			return err
		}
	}
	for _, svc := range services {
		if err := p.Stack.WaitReady(ctx, svc); err != nil {
			return err
		}
	}
	return nil
}

// restartAfter holds an outage for hold, then calls start.
func restartAfter(ctx context.Context, hold time.Duration, start func() error) error {
	hold = max(hold, 0)
	select {
	case <-ctx.Done():
	case <-time.After(hold): // the outage's length, chosen by the schedule
	}
	return start()
}

// toxic puts the fault's toxics on its link for Hold and takes them off.
func (p *Platform) toxic(ctx context.Context, f Fault) error {
	toxics, err := toxicsFor(f.Kind)
	if err != nil {
		return err
	}
	for _, t := range toxics {
		if err := p.Links.Add(f.Target, t); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(f.Hold): // the fault's length, chosen by the schedule
	}
	// Removing must not be cut short by ctx: a toxic left behind breaks
	// the settling that follows.
	for _, t := range toxics {
		if err := p.Links.Remove(context.WithoutCancel(ctx), f.Target, t.Name); err != nil {
			return err
		}
	}
	return nil
}

// toxicsFor returns the toxiproxy toxics of a link fault.
func toxicsFor(kind string) ([]Toxic, error) {
	both := func(name, typ string, attrs map[string]any) []Toxic {
		return []Toxic{
			{Name: name + "_up", Type: typ, Stream: "upstream", Attributes: attrs},
			{Name: name + "_down", Type: typ, Stream: "downstream", Attributes: attrs},
		}
	}
	switch kind {
	case KindLatency:
		return both("latency", "latency", map[string]any{"latency": 150, "jitter": 100}), nil
	case KindBandwidth:
		return both("bandwidth", "bandwidth", map[string]any{"rate": 32}), nil // KB/s
	case KindReset:
		return both("reset", "reset_peer", map[string]any{"timeout": 0}), nil
	case KindBlackhole:
		return both("blackhole", "timeout", map[string]any{"timeout": 0}), nil
	case KindSlowHandler:
		// Answers from the store arrive after the ack wait: JetStream
		// redelivers while the first delivery's handler still runs.
		ms := (ackWait + 5*time.Second).Milliseconds()
		return []Toxic{{Name: "slow", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": ms}}}, nil
	}
	return nil, fmt.Errorf("unknown fault kind %q", kind)
}
