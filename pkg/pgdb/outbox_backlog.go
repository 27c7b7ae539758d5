package pgdb

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// backlogTimeout bounds the query a scrape makes, so that a slow database
// delays /metrics by little; the series are then left out of that scrape.
const backlogTimeout = 2 * time.Second

// backlogSQL counts the unsent rows of the outbox and the age of the oldest;
// both read the partial index of unsent rows only.
const backlogSQL = `SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
FROM outbox WHERE sent_at IS NULL`

// OutboxBacklog is a collector of the outbox's backlog, read from the table
// at scrape time: eventshop_outbox_backlog (unsent events) and
// eventshop_outbox_oldest_unsent_age_seconds. It reads the table rather than
// the relay's memory, so that it is true whichever replica relays.
type OutboxBacklog struct {
	pool    *pgxpool.Pool
	backlog *prometheus.Desc
	age     *prometheus.Desc
}

// NewOutboxBacklog returns the collector for the outbox of pool's database.
func NewOutboxBacklog(pool *pgxpool.Pool) *OutboxBacklog {
	return &OutboxBacklog{
		pool: pool,
		backlog: prometheus.NewDesc("eventshop_outbox_backlog",
			"Events written to the outbox and not yet published.", nil, nil),
		age: prometheus.NewDesc("eventshop_outbox_oldest_unsent_age_seconds",
			"Age of the oldest event not yet published (0 when none waits).", nil, nil),
	}
}

// Describe sends the collector's two descriptors.
func (o *OutboxBacklog) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.backlog
	ch <- o.age
}

// Collect queries the outbox; while the database does not answer it sends
// nothing, and the series go stale rather than show a false zero.
func (o *OutboxBacklog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	var n int64
	var age float64
	if err := o.pool.QueryRow(ctx, backlogSQL).Scan(&n, &age); err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(o.backlog, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(o.age, prometheus.GaugeValue, age)
}
