package httpserver

import "github.com/prometheus/client_golang/prometheus"

// breakerValue is the value of eventshop_breaker_state for a breaker's
// StateName: gobreaker's numbering, -1 for a name it does not know.
func breakerValue(state string) float64 {
	switch state {
	case "closed":
		return 0
	case "half-open":
		return 1
	case "open":
		return 2
	}
	return -1
}

// breakerCollector reads the state of every breaker at scrape time, so that
// the gauge can never disagree with GET /internal/breakers.
type breakerCollector struct {
	desc *prometheus.Desc
	bs   []Breaker
}

func newBreakerCollector(bs []Breaker) *breakerCollector {
	return &breakerCollector{
		desc: prometheus.NewDesc("eventshop_breaker_state",
			"Circuit breaker state: 0 closed, 1 half-open, 2 open (-1 unknown), by breaker.",
			[]string{"breaker"}, nil),
		bs: bs,
	}
}

// Describe sends the gauge's one descriptor.
func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect sends one sample per breaker.
func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.bs {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, breakerValue(b.StateName()), b.BreakerName())
	}
}
