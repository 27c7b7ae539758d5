package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// Add stores a new order, its order.placed event and, when idem is not nil,
// the customer's idempotency key. The statements travel as one batch on one
// connection, which PostgreSQL runs as one implicit transaction ended by the
// batch's Sync: one round trip, where BEGIN, the writes and COMMIT took
// three. Its event goes to the relay through the repository's hand-off; a
// repository inside a caller's transaction (InTx) has none, and the event
// goes out with the caller's commit. A key the customer already used
// violates the primary key on (customer_id, key), which rolls the whole
// batch back: that is command.ErrIdempotencyKeyUsed, and it decides between
// concurrent requests.
func (r *Repository) Add(ctx context.Context, o *domain.Order, idem *command.Idempotency) error {
	ev, err := command.PlacedEvent(ctx, o)
	if err != nil {
		return err
	}
	lines, err := toDBLines(o.Lines())
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO orders (`+orderColumns+`, currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		o.ID(), o.CustomerID(), lines, o.TotalCents(), o.PaymentMethod(), string(o.Status()),
		o.Reason(), o.CreatedAt(), o.UpdatedAt(), o.Currency())
	if idem != nil {
		b.Queue(`INSERT INTO idempotency_keys (customer_id, key, request_hash, order_id)
			VALUES ($1, $2, $3, $4)`, o.CustomerID(), idem.Key, idem.RequestHash, o.ID())
	}
	done := r.handoff.QueueCommitNew(b, []event.Event{ev}) // a new order has no older events
	err = r.db.SendBatch(ctx, b).Close()
	done(err == nil)
	if err != nil {
		if keyUsed(err) {
			return command.ErrIdempotencyKeyUsed
		}
		return fmt.Errorf("store order: %w", err)
	}
	return nil
}

// keyUsed tells whether err is the violation of the idempotency keys'
// primary key.
func keyUsed(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && // unique_violation
		pgErr.ConstraintName == "idempotency_keys_pkey"
}

// Update locks the order, applies fn and stores the result with the event
// of its status change, if any, in one transaction. In a SagaBatch that
// named the order and serves the transaction, the lock and read come from
// the batch's prefetch and the writes wait for the commit.
func (r *Repository) Update(ctx context.Context, id uuid.UUID, fn func(*domain.Order) error) error {
	if r.batch.serves(r.tx, id) {
		return r.batch.update(ctx, id, fn)
	}
	return r.inTx(ctx, func(tx pgx.Tx) error {
		o, err := scanOrder(tx.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return fmt.Errorf("load order %s: %w", id, err)
		}
		return apply(ctx, tx, []*domain.Order{o}, fn)
	})
}

// UpdateExpired applies fn to at most limit PENDING orders created before
// before. FOR UPDATE SKIP LOCKED lets several replicas sweep at once: each
// takes rows no other holds, and rows a saga event is updating are skipped
// until the next sweep.
func (r *Repository) UpdateExpired(ctx context.Context, before time.Time, limit int, fn func(*domain.Order) error) (int, error) {
	var n int
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+orderColumns+` FROM orders
			WHERE status = 'PENDING' AND created_at < $1
			ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`, before, limit)
		if err != nil {
			return fmt.Errorf("select expired orders: %w", err)
		}
		orders, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.Order, error) {
			return scanOrder(row)
		})
		if err != nil {
			return fmt.Errorf("select expired orders: %w", err)
		}
		n = len(orders)
		return apply(ctx, tx, orders, fn)
	})
	return n, err
}

// DeleteIdempotencyKeys deletes at most limit keys first used before
// before; the BRIN index on created_at finds them.
func (r *Repository) DeleteIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := r.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE ctid IN (
		SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("delete idempotency keys: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// apply runs fn on each order, then writes every order and the events of
// their status changes, all in one round trip.
func apply(ctx context.Context, tx pgx.Tx, orders []*domain.Order, fn func(*domain.Order) error) error {
	batch := &pgx.Batch{}
	if err := queueApply(ctx, batch, orders, fn); err != nil {
		return err
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("update orders: %w", err)
	}
	return nil
}

// queueApply runs fn on each order and queues in batch the write of every
// order and the events of their status changes. An error from fn queues
// nothing for that order and stops.
func queueApply(ctx context.Context, batch *pgx.Batch, orders []*domain.Order, fn func(*domain.Order) error) error {
	evs, err := queueUpdates(ctx, batch, orders, fn)
	if err != nil {
		return err
	}
	outbox.Queue(batch, evs...)
	return nil
}

// queueUpdates runs fn on each order, queues in batch the write of every
// order and returns the events of their status changes, for the caller to
// queue. An error from fn queues nothing for that order and stops.
func queueUpdates(ctx context.Context, batch *pgx.Batch, orders []*domain.Order, fn func(*domain.Order) error) ([]event.Event, error) {
	var evs []event.Event
	for _, o := range orders {
		before := o.Status()
		if err := fn(o); err != nil {
			return nil, err
		}
		batch.Queue(`UPDATE orders SET status = $2, reason = $3, updated_at = $4 WHERE id = $1`,
			o.ID(), string(o.Status()), o.Reason(), o.UpdatedAt())
		if o.Status() == before {
			continue
		}
		ev, err := command.ChangeEvent(ctx, o)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
