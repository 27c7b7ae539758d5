package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
)

// phaseTimeout bounds every phase, so a stuck run ends.
const phaseTimeout = 5 * time.Minute

// rawPublish publishes the events straight to JetStream with asynchronous
// publishes, at most the bus's window outstanding, and waits for every ack.
// This is the ceiling the relay is compared with.
func rawPublish(ctx context.Context, e *env, cfg config) (float64, error) {
	evs, err := rejectedEvents(cfg.events, cfg.payload)
	if err != nil {
		return 0, err
	}
	before, err := streamMsgs(ctx, e)
	if err != nil {
		return 0, err
	}
	js := e.bus.JetStream()
	start := time.Now()
	for _, ev := range evs {
		if _, err := js.PublishMsgAsync(bus.NewMsg(ev), jetstream.WithStallWait(time.Minute)); err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(phaseTimeout):
		return 0, fmt.Errorf("acks still pending after %s", phaseTimeout)
	}
	elapsed := time.Since(start)
	after, err := streamMsgs(ctx, e)
	if err != nil {
		return 0, err
	}
	if got := after - before; got != uint64(len(evs)) {
		return 0, fmt.Errorf("stream grew by %d messages, want %d", got, len(evs))
	}
	return rate(len(evs), elapsed, "raw publish: JetStream async publish, all acked"), nil
}

// streamMsgs is the number of messages in the ORDER stream.
func streamMsgs(ctx context.Context, e *env) (uint64, error) {
	s, err := e.bus.JetStream().Stream(ctx, bus.StreamOrder)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return s.CachedInfo().State.Msgs, nil
}

// rate prints and returns n per second of elapsed.
func rate(n int, elapsed time.Duration, what string) float64 {
	r := float64(n) / elapsed.Seconds()
	fmt.Printf("# %s: %d events in %s = %.0f/s\n", what, n, elapsed.Round(time.Millisecond), r)
	return r
}
