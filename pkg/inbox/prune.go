package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultRetention is how long inbox rows are kept by default. A row must
// outlive every redelivery of its event: JetStream's own (bounded by the
// consumer's MaxDeliver and backoff, minutes) and an outbox relay's second
// publish after it crashed between publishing and marking a batch, which
// the stream drops only within its duplicate window. A week covers a relay
// that stayed down over a weekend.
const DefaultRetention = 7 * 24 * time.Hour

// PruneInterval is how often services prune their inbox (PruneEvery).
const PruneInterval = time.Hour

// pruneChunk bounds the rows one statement deletes, so that pruning a
// backlog never holds one long transaction.
const pruneChunk = 10000

// pruneSQL deletes one chunk of rows processed before $1; the BRIN index on
// processed_at finds them.
const pruneSQL = `DELETE FROM inbox WHERE ctid IN (
  SELECT ctid FROM inbox WHERE processed_at < $1 LIMIT $2)`

// Prune deletes the inbox rows older than age, chunk by chunk, and returns
// how many it deleted. Choose age well above the streams' redelivery
// horizon (see DefaultRetention).
func Prune(ctx context.Context, pool *pgxpool.Pool, age time.Duration) (int64, error) {
	cutoff := time.Now().Add(-age)
	var total int64
	for {
		tag, err := pool.Exec(ctx, pruneSQL, cutoff, pruneChunk)
		if err != nil {
			return total, fmt.Errorf("prune inbox: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneChunk {
			return total, nil
		}
	}
}

// PruneEvery prunes rows older than age at start and then every interval,
// until ctx is done. A failed pass is logged and retried at the next tick.
// Replicas may prune together: a row two of them pick is deleted once.
func PruneEvery(ctx context.Context, pool *pgxpool.Pool, interval, age time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := Prune(ctx, pool, age)
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "prune inbox", "error", err)
		case n > 0:
			log.InfoContext(ctx, "pruned inbox", "rows", n, "older_than", age)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
