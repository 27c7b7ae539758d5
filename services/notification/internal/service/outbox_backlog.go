package service

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/outbox"
)

// backlogTimeout bounds the queries a scrape makes.
const backlogTimeout = 2 * time.Second

// outboxBacklog collects, at scrape time, the events waiting in the
// notifications' outbox arrays and the age of the oldest, under the names
// the PostgreSQL services use (pgdb.OutboxBacklog).
type outboxBacklog struct {
	coll    *mongo.Collection
	backlog *prometheus.Desc
	age     *prometheus.Desc
}

func newOutboxBacklog(coll *mongo.Collection) *outboxBacklog {
	return &outboxBacklog{
		coll: coll,
		backlog: prometheus.NewDesc("eventshop_outbox_backlog",
			"Events written to the outbox and not yet published.", nil, nil),
		age: prometheus.NewDesc("eventshop_outbox_oldest_unsent_age_seconds",
			"Age of the oldest event not yet published (0 when none waits).", nil, nil),
	}
}

// Describe sends the collector's two descriptors.
func (o *outboxBacklog) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.backlog
	ch <- o.age
}

// Collect counts the events of every document with a pending outbox; the
// outbox_pending index on the array's first element finds the documents.
// While MongoDB does not answer it sends nothing.
func (o *outboxBacklog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	pending := bson.M{outbox.MongoField + ".0": bson.M{"$exists": true}}
	cur, err := o.coll.Find(ctx, pending, options.Find().SetProjection(bson.M{outbox.MongoField + ".time": 1}))
	if err != nil {
		return
	}
	var docs []struct {
		Outbox []struct {
			Time string `bson:"time"`
		} `bson:"outbox"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return
	}
	n, age := 0, 0.0
	for _, d := range docs {
		for _, ev := range d.Outbox {
			n++
			if t, err := time.Parse(time.RFC3339Nano, ev.Time); err == nil {
				age = max(age, time.Since(t).Seconds())
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(o.backlog, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(o.age, prometheus.GaugeValue, age)
}
