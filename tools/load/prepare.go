package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// Defaults of Config's zero values.
const (
	DefaultCustomers     = 200
	DefaultMaxInFlight   = 4096
	DefaultTrackers      = 16
	DefaultSettleTimeout = 2 * time.Minute
	// maxQuantity is the largest quantity of an order's line.
	maxQuantity = 2
)

func fillDefaults(cfg Config) Config {
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix()
	}
	if cfg.Cards == nil {
		cfg.Cards = DefaultCards()
	}
	if cfg.Customers <= 0 {
		cfg.Customers = DefaultCustomers
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.Trackers <= 0 {
		cfg.Trackers = DefaultTrackers
	}
	if cfg.SettleTimeout <= 0 {
		cfg.SettleTimeout = DefaultSettleTimeout
	}
	if cfg.HTTP == nil {
		cfg.HTTP = defaultHTTP(cfg.MaxInFlight)
	}
	if cfg.Follower == nil {
		cfg.Follower = PollFollower{}
	}
	if cfg.LiveEvery <= 0 {
		cfg.LiveEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return cfg
}

// customer is one synthetic customer.
type customer struct {
	name string
	api  *client.Client // measured: the operations' requests
	poll *client.Client // not measured: the saga trackers' polls
}

// prepare reads the catalogue, restocks what is short and signs every
// customer's token.
func (r *Run) prepare(ctx context.Context) (skus []string, customers []*customer, err error) {
	plain := &client.Client{Resolve: func(string) string { return r.cfg.Gateway }, HTTP: r.cfg.HTTP}
	products, err := plain.Products(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read catalogue: %w", err)
	}
	if len(products) == 0 {
		return nil, nil, errors.New("read catalogue: no products")
	}
	for _, p := range products {
		skus = append(skus, p.SKU)
	}
	if err := r.restock(ctx, plain, skus); err != nil {
		return nil, nil, err
	}
	names, _ := r.cfg.Tokens.(interface{ CustomerName(int) string })
	for i := range r.cfg.Customers {
		token, err := r.cfg.Tokens.Customer(i)
		if err != nil {
			return nil, nil, fmt.Errorf("token of customer %d: %w", i, err)
		}
		c := &customer{name: fmt.Sprintf("customer-%d", i), poll: plain.As(token)}
		if names != nil {
			c.name = names.CustomerName(i)
		}
		customers = append(customers, c)
	}
	return skus, customers, nil
}

// expectedOrders is how many orders the schedule places, from its rate
// sampled every 100 ms.
func (r *Run) expectedOrders() float64 {
	var n float64
	const step = 100 * time.Millisecond
	for t := time.Duration(0); t < r.cfg.Duration; t += step {
		n += r.cfg.Pacer.Rate(t) * step.Seconds()
	}
	return n * r.cfg.Mix.Share(OpPlace)
}

// restock brings every product's available stock up to MinStock, or to
// enough for every order the schedule places when MinStock is 0, so that a
// shop used before still confirms orders instead of rejecting them.
func (r *Run) restock(ctx context.Context, plain *client.Client, skus []string) error {
	want := r.cfg.MinStock
	if want < 0 {
		return nil
	}
	if want == 0 {
		want = int64(math.Ceil(r.expectedOrders()))*maxQuantity + 100
	}
	token, err := r.cfg.Tokens.Admin()
	if err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	admin := plain.As(token)
	stock, err := admin.Inventory(ctx)
	if err != nil {
		return fmt.Errorf("read inventory: %w", err)
	}
	for _, sku := range skus {
		short := want - stock[sku].Available
		if short <= 0 {
			continue
		}
		if err := admin.Restock(ctx, sku, int(short)); err != nil {
			return fmt.Errorf("restock %s: %w", sku, err)
		}
		r.cfg.Logger.Info("restocked", "sku", sku, "quantity", short)
	}
	return nil
}

// errorStatus is the HTTP status of err, or 0 when there was no answer.
func errorStatus(err error) int {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}
