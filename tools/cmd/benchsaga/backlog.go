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
		for _, stream := range []string{"ORDER", "INVENTORY", "PAYMENT"} {
			s, err := js.Stream(ctx, stream)
			if err != nil {
				continue
			}
			for info := range s.ListConsumers(ctx).Info() {
				parts = append(parts, fmt.Sprintf("%s/%s=%d", stream, info.Name, info.NumPending+uint64(info.NumAckPending)))
			}
		}
		fmt.Fprintf(w, "backlog %s\n", strings.Join(parts, " "))
	}
}
