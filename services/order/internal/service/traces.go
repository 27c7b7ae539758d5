package service

import (
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/services/order/internal/adapters/tracestore"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// traceStore is the trace store the order's trace route reads
// (TRACES_QUERY_URL) and its breaker; both nil when none is configured, so
// that the route answers 404.
func traceStore(cfg Config) (query.TraceStore, []httpserver.Breaker) {
	if cfg.TracesQueryURL == "" {
		return nil, nil
	}
	j := tracestore.NewJaeger(cfg.TracesQueryURL, tracestore.Options{Timeout: cfg.TracesQueryTimeout})
	return j, []httpserver.Breaker{j}
}
