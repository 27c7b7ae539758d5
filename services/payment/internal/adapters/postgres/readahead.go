package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// ReadAhead reads the payments of orderIDs in one query and returns a
// reader whose Get answers for them from that read, for the Decide calls
// of one batch of events: one round trip for the batch instead of one per
// event. It is the read each Get would make, outside any transaction and
// without locks, only taken a moment earlier; Record reads the payment
// again under its lock either way. On error it returns r, which reads on
// its own.
func (r *Payments) ReadAhead(ctx context.Context, orderIDs []string) (command.Payments, error) {
	ids := canonicalIDs(orderIDs)
	rows, _ := r.pool.Query(ctx, `SELECT `+columns+` FROM payments WHERE order_id = ANY($1::uuid[])`, ids)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return r, fmt.Errorf("read payments ahead: %w", err)
	}
	ahead := make(map[string]*domain.Payment, len(ids))
	for _, id := range ids {
		ahead[id] = nil
	}
	for _, row := range list {
		p := row.toDomain()
		ahead[row.OrderID] = &p
	}
	return &readAhead{Payments: r, ahead: ahead}, nil
}

// readAhead is Payments answering Get from a read made ahead.
type readAhead struct {
	*Payments
	ahead map[string]*domain.Payment // nil for an order with no payment
}

// Get answers from the read ahead for the orders it read. Only ids spelled
// as canonical UUIDs have an answer there: for any other string Get's own
// query decides, since PostgreSQL and uuid.Parse accept different
// spellings and a missing row proves no payment only for an id the query
// could match.
func (a *readAhead) Get(ctx context.Context, orderID string) (domain.Payment, error) {
	p, ok := a.ahead[orderID]
	switch {
	case !ok:
		return a.Payments.Get(ctx, orderID)
	case p == nil:
		return domain.Payment{}, command.ErrNotFound
	}
	return *p, nil
}
