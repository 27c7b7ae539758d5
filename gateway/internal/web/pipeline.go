package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Gauge is one reading of a service's event pipeline.
type Gauge struct {
	Service string `json:"service"`
	// Measure is the metric's name, e.g. eventshop_outbox_backlog.
	Measure string `json:"measure"`
	// Consumer names the durable consumer of a consumer's measure.
	Consumer string  `json:"consumer,omitempty"`
	Value    float64 `json:"value"`
	// Error says why a service could not be read; the other fields but
	// Service are then empty.
	Error string `json:"error,omitempty"`
}

// Pipeline answers GET /api/v1/admin/pipeline: every service's outbox
// backlog, the age of its oldest unsent event and its consumers' lag, read
// from the services' /metrics when asked, so that the console shows them
// without a Prometheus. A service that does not answer is listed with the
// error, as the console should show it.
func Pipeline(services map[string]string) echo.HandlerFunc {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(c echo.Context) error {
		var mu sync.Mutex
		var wg sync.WaitGroup
		items := []Gauge{}
		for name, base := range services {
			wg.Go(func() {
				got := readGauges(c.Request().Context(), client, name, base+"/metrics")
				mu.Lock()
				items = append(items, got...)
				mu.Unlock()
			})
		}
		wg.Wait()
		sort.Slice(items, func(i, j int) bool {
			a, b := items[i], items[j]
			if a.Service != b.Service {
				return a.Service < b.Service
			}
			if a.Measure != b.Measure {
				return a.Measure < b.Measure
			}
			return a.Consumer < b.Consumer
		})
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	}
}

// pipelineMeasure reports whether a metric belongs to the pipeline view.
func pipelineMeasure(name string) bool {
	switch name {
	case "eventshop_outbox_backlog", "eventshop_outbox_oldest_unsent_age_seconds",
		"eventshop_bus_consumer_pending", "eventshop_bus_consumer_ack_pending",
		"eventshop_bus_consumer_waiting_for_dependency":
		return true
	}
	return false
}

func readGauges(ctx context.Context, client *http.Client, service, url string) []Gauge {
	families, err := scrape(ctx, client, url)
	if err != nil {
		return []Gauge{{Service: service, Error: err.Error()}}
	}
	var out []Gauge
	for name, f := range families {
		if !pipelineMeasure(name) {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetGauge() == nil {
				continue
			}
			out = append(out, Gauge{Service: service, Measure: name, Consumer: label(m, "consumer"), Value: m.GetGauge().GetValue()})
		}
	}
	return out
}

func scrape(ctx context.Context, client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read metrics: status %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return families, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
