package invariants

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// domainStreams are the streams whose durable consumers Quiet waits for.
var domainStreams = [...]string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION"}

// Quiet is nil when no event waits anywhere: every outbox is empty, no
// notification holds an unsent event, and every durable consumer of the
// domain streams has been delivered and has acked all it was given. The
// invariants hold only of a quiet platform; a checker polls Quiet, checks,
// then asks Quiet again to know nothing moved while it read.
//
// The cheap checks come first: on FerretDB the query for notifications
// holding events reads the whole collection, seconds once it holds tens
// of thousands, so it runs only once the rest is quiet, and a caller that
// polls Quiet should pause in proportion to how long it took.
func Quiet(ctx context.Context, src Sources, js jetstream.JetStream) error {
	for name, db := range map[string]*pgxpool.Pool{"order": src.Order, "inventory": src.Inventory, "payment": src.Payment} {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
			return fmt.Errorf("%s outbox: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("%s outbox holds %d unsent events", name, n)
		}
	}
	if err := ConsumersDone(ctx, js); err != nil {
		return err
	}
	n, err := src.Notifications.Collection("notifications").CountDocuments(ctx, bson.M{"outbox.0": bson.M{"$exists": true}})
	if err != nil {
		return fmt.Errorf("notification outbox: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d notifications hold unsent events", n)
	}
	return nil
}

// ConsumersDone is nil when every durable consumer of the domain streams
// has been delivered and has acked all it was given.
func ConsumersDone(ctx context.Context, js jetstream.JetStream) error {
	for _, name := range domainStreams {
		stream, err := js.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		lister := stream.ListConsumers(ctx)
		for info := range lister.Info() {
			if info.Config.Durable != "" && (info.NumPending > 0 || info.NumAckPending > 0) {
				return fmt.Errorf("consumer %s/%s: %d pending, %d unacknowledged", name, info.Name, info.NumPending, info.NumAckPending)
			}
		}
		if err := lister.Err(); err != nil {
			return fmt.Errorf("consumers of %s: %w", name, err)
		}
	}
	return nil
}
