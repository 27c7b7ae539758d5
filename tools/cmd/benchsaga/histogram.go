package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// sagaHistogram is name of the order service's saga duration histogram,
// which the Grafana dashboard reads its p50 and p99 from.
const sagaHistogram = "eventshop_order_saga_duration_seconds"

// bucket is one cumulative bucket of a histogram: the count of observations
// up to le seconds.
type bucket struct {
	le    float64
	count float64
}

// confirmedBuckets scrapes the order service at base and returns the saga
// histogram's buckets of confirmed orders.
func confirmedBuckets(ctx context.Context, base string) ([]bucket, error) {
	families, err := scrape(ctx, base)
	if err != nil {
		return nil, err
	}
	for _, m := range families[sagaHistogram].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "status" && l.GetValue() == "CONFIRMED" {
				var out []bucket
				for _, b := range m.GetHistogram().GetBucket() {
					out = append(out, bucket{le: b.GetUpperBound(), count: float64(b.GetCumulativeCount())})
				}
				return append(out, bucket{le: math.Inf(1), count: float64(m.GetHistogram().GetSampleCount())}), nil
			}
		}
	}
	return nil, fmt.Errorf("order serves no %s{status=\"CONFIRMED\"}", sagaHistogram)
}

// scrape reads the metrics a service at base serves.
func scrape(ctx context.Context, base string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", base, err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return nil, fmt.Errorf("parse the metrics of %s: %w", base, err)
	}
	return families, nil
}

// counterSum is the sum of a counter's series, 0 when it has none.
func counterSum(families map[string]*dto.MetricFamily, name string) float64 {
	var sum float64
	for _, m := range families[name].GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	return sum
}

// histogramQuantile is PromQL's histogram_quantile over the observations
// made between two scrapes (before may be nil): the bucket that holds the
// q-quantile, interpolated linearly within it. It returns seconds.
func histogramQuantile(q float64, before, after []bucket) float64 {
	delta := slices.Clone(after)
	for i := range delta {
		if i < len(before) {
			delta[i].count -= before[i].count
		}
	}
	if len(delta) < 2 || delta[len(delta)-1].count == 0 {
		return math.NaN()
	}
	rank := q * delta[len(delta)-1].count
	i, _ := slices.BinarySearchFunc(delta, rank, func(b bucket, r float64) int {
		switch {
		case b.count < r:
			return -1
		case b.count > r:
			return 1
		}
		return 0
	})
	if i == len(delta)-1 {
		return delta[len(delta)-2].le // in the +Inf bucket: the highest finite bound
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = delta[i-1].le, delta[i-1].count
	}
	inBucket := delta[i].count - below
	if inBucket == 0 {
		return delta[i].le
	}
	return lower + (delta[i].le-lower)*(rank-below)/inBucket
}
