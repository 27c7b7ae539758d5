package domain

import (
	"errors"
	"fmt"
	"strings"
)

// State is where a reservation is in its life.
type State string

// The states of a reservation. Reserved is the only one that still holds
// stock; the others are final, and an event for a final reservation has no
// effect.
const (
	StateReserved  State = "reserved"
	StateRejected  State = "rejected"  // the order could not be reserved; nothing is held
	StateReleased  State = "released"  // the order was cancelled; the stock went back
	StateCommitted State = "committed" // the order was confirmed; the stock was sold
	StateTombstone State = "tombstone" // the cancel came before the order; never reserve it
)

var (
	// ErrInvalidReservation marks a reservation that breaks a constructor's rules.
	ErrInvalidReservation = errors.New("invalid reservation")
	// ErrReservationFinal means the reservation no longer holds stock, so it
	// can be neither released nor committed.
	ErrReservationFinal = errors.New("reservation is final")
)

// Line is one product and quantity of an order.
type Line struct {
	SKU      string
	Quantity int64
}

// Reservation is the stock held for one order.
type Reservation struct {
	orderID string
	state   State
	lines   []Line
}

// NewReservation creates a reservation in state reserved. The caller reserves
// the products' stock with ReserveLines in the same unit of work.
func NewReservation(orderID string, lines []Line) (*Reservation, error) {
	if err := checkLines(lines); err != nil {
		return nil, err
	}
	return newReservation(orderID, StateReserved, lines)
}

// NewRejection records that the order could not be reserved, so that a
// redelivered order event is not reserved later.
func NewRejection(orderID string, lines []Line) (*Reservation, error) {
	return newReservation(orderID, StateRejected, lines)
}

// NewTombstone records a cancel that arrived before the order was reserved.
func NewTombstone(orderID string) (*Reservation, error) {
	return newReservation(orderID, StateTombstone, nil)
}

// UnmarshalReservation rebuilds a stored reservation.
func UnmarshalReservation(orderID string, state State, lines []Line) (*Reservation, error) {
	switch state {
	case StateReserved, StateRejected, StateReleased, StateCommitted, StateTombstone:
	default:
		return nil, fmt.Errorf("%w: %s: unknown state %q", ErrInvalidReservation, orderID, state)
	}
	return newReservation(orderID, state, lines)
}

func newReservation(orderID string, state State, lines []Line) (*Reservation, error) {
	if strings.TrimSpace(orderID) == "" {
		return nil, fmt.Errorf("%w: empty order id", ErrInvalidReservation)
	}
	return &Reservation{orderID: orderID, state: state, lines: append([]Line(nil), lines...)}, nil
}

// OrderID is the order the reservation belongs to.
func (r *Reservation) OrderID() string { return r.orderID }

// State is the reservation's current state.
func (r *Reservation) State() State { return r.state }

// Lines are the reserved products and quantities, a copy.
func (r *Reservation) Lines() []Line { return append([]Line(nil), r.lines...) }

// IsFinal says whether the reservation no longer holds stock.
func (r *Reservation) IsFinal() bool { return r.state != StateReserved }

// Release gives the reservation's stock back to the products and marks it released.
func (r *Reservation) Release(products map[string]*Product) error {
	return r.finish(products, StateReleased, (*Product).Release)
}

// Commit turns the reservation's stock into sales and marks it committed.
func (r *Reservation) Commit(products map[string]*Product) error {
	return r.finish(products, StateCommitted, (*Product).Commit)
}

// finish applies move to every line, all or none: products are only changed
// when every line can be moved.
func (r *Reservation) finish(products map[string]*Product, to State, move func(*Product, int64) error) error {
	if r.IsFinal() {
		return fmt.Errorf("%w: %s is %s", ErrReservationFinal, r.orderID, r.state)
	}
	staged, err := stage(products, r.lines)
	if err != nil {
		return err
	}
	for sku, q := range totals(r.lines) {
		if err := move(staged[sku], q); err != nil {
			return fmt.Errorf("%s %s: %w", to, r.orderID, err)
		}
	}
	apply(products, staged)
	r.state = to
	return nil
}

func checkLines(lines []Line) error {
	if len(lines) == 0 {
		return fmt.Errorf("%w: no lines", ErrInvalidReservation)
	}
	for _, l := range lines {
		if strings.TrimSpace(l.SKU) == "" {
			return fmt.Errorf("%w: line without sku", ErrInvalidReservation)
		}
		if l.Quantity <= 0 {
			return fmt.Errorf("%w: %s: quantity %d is not positive", ErrInvalidReservation, l.SKU, l.Quantity)
		}
	}
	return nil
}
