package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// listFetchWait bounds one fetch of a List; the ordered consumer knows how
// many messages it has to read, so this only matters if the server is slow.
const listFetchWait = 2 * time.Second

// List returns the dead letters f selects, oldest first. It reads them with
// a short-lived ephemeral consumer without acks, which leaves the stream
// untouched and tells up front how many messages match.
func (d *DeadLetters) List(ctx context.Context, f DLQFilter) ([]DeadLetter, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	cfg := jetstream.ConsumerConfig{
		FilterSubjects:    []string{f.subject()},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		MemoryStorage:     true,
		InactiveThreshold: time.Minute,
	}
	if f.After > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, f.After+1
	}
	cons, err := d.js.CreateConsumer(ctx, StreamDLQ, cfg)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer d.deleteConsumer(cons.CachedInfo().Name)
	want := min(int(cons.CachedInfo().NumPending), limit)
	out := make([]DeadLetter, 0, want)
	for len(out) < want {
		batch, err := cons.Fetch(want-len(out), jetstream.FetchMaxWait(listFetchWait))
		if err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		n := len(out)
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				continue
			}
			out = append(out, toDeadLetter(meta.Sequence.Stream, m.Subject(), m.Headers(), m.Data(), meta.Timestamp))
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		if len(out) == n {
			break // messages deleted since the count was taken
		}
	}
	return out, nil
}

// deleteConsumer removes a List consumer at once rather than leaving it to
// its inactivity threshold.
func (d *DeadLetters) deleteConsumer(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), listFetchWait)
	defer cancel()
	_ = d.js.DeleteConsumer(ctx, StreamDLQ, name)
}
