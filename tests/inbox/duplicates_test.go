package inbox_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/inbox"
)

// TestHandlerCountsDuplicates delivers events more than once and checks
// that the count of duplicates the handler reports is the number of
// deliveries the inbox dropped.
func TestHandlerCountsDuplicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		deliveries func(msgs []bus.Message) [][]bus.Message
		want       int
	}{
		{"first delivery", func(m []bus.Message) [][]bus.Message { return [][]bus.Message{m} }, 0},
		{"batch redelivered", func(m []bus.Message) [][]bus.Message { return [][]bus.Message{m, m} }, 6},
		{"duplicate inside one batch", func(m []bus.Message) [][]bus.Message {
			return [][]bus.Message{append(append([]bus.Message{}, m...), m[0], m[3])}
		}, 2},
		{"batch partly seen before", func(m []bus.Message) [][]bus.Message { return [][]bus.Message{m[:3], m} }, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, e := openDB(t), newEffector()
			got := 0
			h := inbox.Handler(pool, "test", e.apply, inbox.CountDuplicates(func(n int) { got += n }))
			for _, batch := range tc.deliveries(messages(t, 6)) {
				h(t.Context(), batch)
			}
			if got != tc.want {
				t.Errorf("duplicates counted %d, want %d", got, tc.want)
			}
		})
	}
}

// TestDuplicatesCounterPerConsumer checks the Prometheus counter the
// services serve: one series per consumer, at zero until a duplicate.
func TestDuplicatesCounterPerConsumer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	d := inbox.NewDuplicates(reg)
	pool, e := openDB(t), newEffector()
	h := inbox.Handler(pool, "test", e.apply, d.For("test"))
	inbox.Handler(pool, "quiet", e.apply, d.For("quiet"))
	msgs := messages(t, 4)
	h(t.Context(), msgs)
	h(t.Context(), msgs)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "eventshop_inbox_duplicates_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["test"] != 4 || len(got) != 2 {
		t.Errorf("eventshop_inbox_duplicates_total by consumer = %v, want test=4 and quiet=0", got)
	}
}
