package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// PriceList reads the current unit prices of products.
type PriceList interface {
	// Prices returns the price in cents of each SKU it knows; unknown SKUs
	// are absent. A failure to ask is ErrInventoryUnavailable.
	Prices(ctx context.Context, skus []string) (map[string]int64, error)
}

// PlaceOrder places a new order for CustomerID. IdempotencyKey is optional;
// RequestHash identifies the request that used it.
type PlaceOrder struct {
	CustomerID     string
	Items          []domain.Item
	PaymentMethod  string
	IdempotencyKey string
	RequestHash    string
}

// PlaceOrderResult is the placed order; Replayed is true when the
// idempotency key had already placed it.
type PlaceOrderResult struct {
	Order    *domain.Order
	Replayed bool
}

// PlaceOrderHandler places orders.
type PlaceOrderHandler struct {
	repo    OrderRepository
	prices  PriceList
	metrics Metrics
	now     func() time.Time
}

// NewPlaceOrderHandler returns a PlaceOrderHandler.
func NewPlaceOrderHandler(repo OrderRepository, prices PriceList, m Metrics) PlaceOrderHandler {
	return PlaceOrderHandler{repo: repo, prices: prices, metrics: m, now: time.Now}
}

// Handle validates the request, prices it and stores the order PENDING with
// its order.placed event. A repeated idempotency key returns the order it
// placed (or ErrIdempotencyMismatch for another request); two requests racing
// with one key place one order, because the key is unique per customer.
func (h PlaceOrderHandler) Handle(ctx context.Context, cmd PlaceOrder) (PlaceOrderResult, error) {
	if cmd.IdempotencyKey != "" {
		if res, ok, err := h.replay(ctx, cmd); ok || err != nil {
			return res, err
		}
	}
	if err := domain.ValidateItems(cmd.Items); err != nil {
		return PlaceOrderResult{}, err
	}
	if err := domain.ValidatePaymentMethod(cmd.PaymentMethod); err != nil {
		return PlaceOrderResult{}, err
	}
	prices, err := h.prices.Prices(ctx, skus(cmd.Items))
	if err != nil {
		return PlaceOrderResult{}, fmt.Errorf("read prices: %w", err)
	}
	o, err := domain.NewOrder(cmd.CustomerID, cmd.Items, prices, cmd.PaymentMethod, h.now())
	if err != nil {
		return PlaceOrderResult{}, err
	}
	var idem *Idempotency
	if cmd.IdempotencyKey != "" {
		idem = &Idempotency{Key: cmd.IdempotencyKey, RequestHash: cmd.RequestHash}
	}
	if err := h.repo.Add(ctx, o, idem); err != nil {
		if errors.Is(err, ErrIdempotencyKeyUsed) {
			return h.replayAfterRace(ctx, cmd)
		}
		return PlaceOrderResult{}, fmt.Errorf("store order: %w", err)
	}
	h.metrics.OrderPlaced()
	return PlaceOrderResult{Order: o}, nil
}

// replay returns the order a used idempotency key placed; ok is false when
// the key is new.
func (h PlaceOrderHandler) replay(ctx context.Context, cmd PlaceOrder) (PlaceOrderResult, bool, error) {
	o, hash, err := h.repo.FindByIdempotencyKey(ctx, cmd.CustomerID, cmd.IdempotencyKey)
	if errors.Is(err, domain.ErrNotFound) {
		return PlaceOrderResult{}, false, nil
	}
	if err != nil {
		return PlaceOrderResult{}, false, fmt.Errorf("find idempotency key: %w", err)
	}
	if hash != cmd.RequestHash {
		return PlaceOrderResult{}, true, ErrIdempotencyMismatch
	}
	return PlaceOrderResult{Order: o, Replayed: true}, true, nil
}

// replayAfterRace answers a request that lost the race for its key to a
// concurrent request, which has committed by the time Add fails.
func (h PlaceOrderHandler) replayAfterRace(ctx context.Context, cmd PlaceOrder) (PlaceOrderResult, error) {
	res, ok, err := h.replay(ctx, cmd)
	if err == nil && !ok {
		err = fmt.Errorf("idempotency key %q vanished", cmd.IdempotencyKey)
	}
	return res, err
}

func skus(items []domain.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.SKU()
	}
	return out
}
