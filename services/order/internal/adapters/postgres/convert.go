package postgres

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// dbLine is one element of orders.lines.
type dbLine struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents"`
}

func toDBLines(lines []domain.Line) ([]byte, error) {
	out := make([]dbLine, len(lines))
	for i, l := range lines {
		out[i] = dbLine{SKU: l.SKU(), Quantity: l.Quantity(), PriceCents: l.PriceCents()}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("marshal lines: %w", err)
	}
	return b, nil
}

func toDomainLines(b []byte) ([]domain.Line, error) {
	var in []dbLine
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("unmarshal lines: %w", err)
	}
	out := make([]domain.Line, len(in))
	for i, l := range in {
		out[i] = domain.NewLine(l.SKU, l.Quantity, l.PriceCents)
	}
	return out, nil
}

// scanOrder reads a row of orderColumns; no row is domain.ErrNotFound.
func scanOrder(row pgx.Row) (*domain.Order, error) {
	var (
		s      domain.Snapshot
		lines  []byte
		status string
	)
	err := row.Scan(&s.ID, &s.CustomerID, &lines, &s.TotalCents, &s.PaymentMethod, &status,
		&s.Reason, &s.CreatedAt, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("scan order: %w", err)
	}
	if s.Status, err = domain.ParseStatus(status); err != nil {
		return nil, err
	}
	if s.Lines, err = toDomainLines(lines); err != nil {
		return nil, err
	}
	return domain.FromSnapshot(s), nil
}
