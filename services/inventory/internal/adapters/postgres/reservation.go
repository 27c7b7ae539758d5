package postgres

import (
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

// loadReservationSQL reads and locks the reservation of order $1.
const loadReservationSQL = `SELECT state, lines FROM reservations WHERE order_id = $1 FOR UPDATE`

// scanReservation reads the row of loadReservationSQL, nil when there is none.
func scanReservation(orderID string, row pgx.Row) (*domain.Reservation, error) {
	var (
		state string
		raw   []byte
	)
	err := row.Scan(&state, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load reservation: %w", err)
	}
	return decodeReservation(orderID, state, raw)
}

// scanReservationRow reads a row of order id, state and lines.
func scanReservationRow(row pgx.Row, orderID *string) (*domain.Reservation, error) {
	var (
		state string
		raw   []byte
	)
	if err := row.Scan(orderID, &state, &raw); err != nil {
		return nil, fmt.Errorf("load reservation: %w", err)
	}
	return decodeReservation(*orderID, state, raw)
}

func decodeReservation(orderID, state string, raw []byte) (*domain.Reservation, error) {
	var lines []dbLine
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("decode reservation lines: %w", err)
	}
	return domain.UnmarshalReservation(orderID, domain.State(state), toDomainLines(lines))
}

// reservationRow is a reservation as its row stores it.
type reservationRow struct {
	orderID, state string
	lines          []byte
}

func toRow(res *domain.Reservation) (reservationRow, error) {
	lines, err := json.Marshal(toDBLines(res.Lines()))
	if err != nil {
		return reservationRow{}, fmt.Errorf("encode reservation lines: %w", err)
	}
	return reservationRow{orderID: res.OrderID(), state: string(res.State()), lines: lines}, nil
}

// queueReservations adds the insert or update of rows, one statement, to
// b. The rows must name distinct orders: one statement cannot upsert a row
// twice.
func queueReservations(b *pgx.Batch, rows []reservationRow) {
	if len(rows) == 0 {
		return
	}
	ids, states, lines := make([]string, len(rows)), make([]string, len(rows)), make([][]byte, len(rows))
	for i, r := range rows {
		ids[i], states[i], lines[i] = r.orderID, r.state, r.lines
	}
	b.Queue(`INSERT INTO reservations (order_id, state, lines)
		SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
		ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, lines = excluded.lines, updated_at = now()`,
		ids, states, lines)
}
