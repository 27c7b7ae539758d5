package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// watchBacklog prints, every interval until ctx is done, how many messages
// each durable consumer has yet to handle (pending plus unacknowledged), to
// show which service holds the saga back under load.
func watchBacklog(ctx context.Context, nc *nats.Conn, w io.Writer, interval time.Duration) {
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(w, "backlog: %v\n", err)
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var parts []string
		eachBacklog(ctx, js, func(name string, n uint64) { parts = append(parts, fmt.Sprintf("%s=%d", name, n)) })
		fmt.Fprintf(w, "backlog %s\n", strings.Join(parts, " "))
	}
}

// eachBacklog calls fn with every saga consumer's messages not yet acked.
func eachBacklog(ctx context.Context, js jetstream.JetStream, fn func(name string, n uint64)) {
	for _, stream := range []string{"ORDER", "INVENTORY", "PAYMENT"} {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			continue
		}
		for info := range s.ListConsumers(ctx).Info() {
			fn(stream+"/"+info.Name, info.NumPending+uint64(info.NumAckPending))
		}
	}
}

// backlog is the number of messages every saga consumer has not yet acked.
func backlog(ctx context.Context, nc *nats.Conn) (uint64, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, err
	}
	var total uint64
	eachBacklog(ctx, js, func(_ string, n uint64) { total += n })
	return total, nil
}
