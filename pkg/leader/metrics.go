package leader

import "github.com/prometheus/client_golang/prometheus"

// NewGauge returns the gauge eventshop_leader_leading{election=name}, 1
// while leading (an elector's Leading) reports true and 0 otherwise, to be
// registered on the service's registry: each replica's /metrics then says
// whether it is the one that runs the elected jobs.
func NewGauge(name string, leading func() bool) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "eventshop", Subsystem: "leader", Name: "leading",
		Help:        "1 while this replica leads the election, running its jobs (outbox relay, sweeps); 0 otherwise.",
		ConstLabels: prometheus.Labels{"election": name},
	}, func() float64 {
		if leading() {
			return 1
		}
		return 0
	})
}
