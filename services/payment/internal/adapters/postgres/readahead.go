package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// ReadAhead reads the payments of the batch's orders in one query, for the
// Payments.Get calls its events make before their transaction, with ctx
// carrying b (inbox.WithBatch): one round trip for the batch instead of one
// per event. It is the read each Get would make, outside any transaction
// and without locks, only taken a moment earlier; Record reads the payment
// again under its lock either way. On error b answers nothing, so each Get
// asks on its own.
func (b *Batch) ReadAhead(ctx context.Context, pool *pgxpool.Pool) error {
	ids := canonicalIDs(b.OrderIDs)
	rows, _ := pool.Query(ctx, `SELECT `+columns+` FROM payments WHERE order_id = ANY($1::uuid[])`, ids)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return fmt.Errorf("read payments ahead: %w", err)
	}
	ahead := make(map[string]*domain.Payment, len(ids))
	for _, id := range ids {
		ahead[id] = nil
	}
	for _, r := range list {
		p := r.toDomain()
		ahead[r.OrderID] = &p
	}
	b.ahead = ahead
	return nil
}

// readAhead returns what the batch ctx carries read ahead for orderID: its
// payment, or nil for none; false when it has no answer. Only ids spelled
// as canonical UUIDs have one: for any other string Get's own query decides,
// as before, since PostgreSQL and uuid.Parse accept different spellings and
// a missing row proves no payment only for an id the query could match.
func readAhead(ctx context.Context, orderID string) (*domain.Payment, bool) {
	b, ok := inbox.BatchOf[*Batch](ctx)
	if !ok {
		return nil, false
	}
	p, ok := b.ahead[orderID]
	return p, ok
}
