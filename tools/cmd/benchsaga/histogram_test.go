package main

import (
	"math"
	"testing"
)

// TestHistogramQuantileInterpolatesAsPromQL checks the quantile against
// values worked out by hand with histogram_quantile's rule: the first
// bucket whose count reaches the rank, interpolated linearly within it,
// over the observations made between the two scrapes.
func TestHistogramQuantileInterpolatesAsPromQL(t *testing.T) {
	inf := math.Inf(1)
	before := []bucket{{0.01, 10}, {0.02, 10}, {inf, 10}}
	after := []bucket{{0.01, 60}, {0.02, 110}, {inf, 110}}
	tests := []struct {
		name string
		q    float64
		want float64
	}{
		{"p50 at the first bucket's bound", 0.5, 0.01},
		{"p99 inside the second bucket", 0.99, 0.01 + 0.01*(99-50)/50.0},
		{"p25 inside the first bucket", 0.25, 0.01 * 25 / 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := histogramQuantile(tc.q, before, after); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("quantile %.2f = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	if got := histogramQuantile(0.5, after, after); !math.IsNaN(got) {
		t.Errorf("no observations between the scrapes: %v, want NaN", got)
	}
	if got := histogramQuantile(0.99, nil, []bucket{{0.01, 0}, {inf, 5}}); got != 0.01 {
		t.Errorf("every observation above the last bound: %v, want that bound", got)
	}
}
