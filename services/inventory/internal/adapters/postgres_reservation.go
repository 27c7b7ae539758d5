package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// dbLine is a reservation line as stored in reservations.lines.
type dbLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

func toDBLines(lines []domain.Line) []dbLine {
	out := make([]dbLine, len(lines))
	for i, l := range lines {
		out[i] = dbLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return out
}

func toDomainLines(lines []dbLine) []domain.Line {
	out := make([]domain.Line, len(lines))
	for i, l := range lines {
		out[i] = domain.Line{SKU: l.SKU, Quantity: l.Quantity}
	}
	return out
}

// loadReservation reads and locks the reservation of orderID, nil when there
// is none.
func loadReservation(ctx context.Context, tx pgx.Tx, orderID string) (*domain.Reservation, error) {
	var (
		state string
		raw   []byte
	)
	err := tx.QueryRow(ctx, `SELECT state, lines FROM reservations WHERE order_id = $1 FOR UPDATE`, orderID).
		Scan(&state, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load reservation: %w", err)
	}
	var lines []dbLine
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("decode reservation lines: %w", err)
	}
	return domain.UnmarshalReservation(orderID, domain.State(state), toDomainLines(lines))
}

// saveReservation inserts or updates a reservation.
func saveReservation(ctx context.Context, tx pgx.Tx, res *domain.Reservation) error {
	lines, err := json.Marshal(toDBLines(res.Lines()))
	if err != nil {
		return fmt.Errorf("encode reservation lines: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO reservations (order_id, state, lines) VALUES ($1, $2, $3)
		ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, lines = excluded.lines, updated_at = now()`,
		res.OrderID(), string(res.State()), lines)
	if err != nil {
		return fmt.Errorf("save reservation: %w", err)
	}
	return nil
}
