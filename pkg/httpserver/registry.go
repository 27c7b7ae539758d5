package httpserver

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is one service's Prometheus registry. Every collector registered
// through Registerer carries the label service="<name>", so that the series
// of several services, in one process or behind one Prometheus, never clash;
// /metrics serves them beside the process's default registry (Go runtime and
// process metrics).
type Registry struct {
	reg        *prometheus.Registry
	registerer prometheus.Registerer
}

// NewRegistry returns an empty registry for service.
func NewRegistry(service string) *Registry {
	reg := prometheus.NewRegistry()
	return &Registry{
		reg:        reg,
		registerer: prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, reg),
	}
}

// Registerer registers collectors that carry the service label.
func (r *Registry) Registerer() prometheus.Registerer { return r.registerer }

// Gatherer gathers the service's metrics and the process's default ones.
func (r *Registry) Gatherer() prometheus.Gatherer {
	return prometheus.Gatherers{prometheus.DefaultGatherer, r.reg}
}

// Handler serves Gatherer in the Prometheus exposition format. A metric
// that cannot be gathered is left out rather than failing the whole scrape,
// so that one faulty collector does not blind the dashboard.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Gatherer(), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
