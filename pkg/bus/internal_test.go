package bus

import (
	"testing"
	"time"
)

func TestBackoffByDelivery(t *testing.T) {
	t.Parallel()
	cfg := ConsumerConfig{Backoff: []time.Duration{time.Second, 5 * time.Second}}
	tests := []struct {
		delivered uint64
		want      time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 5 * time.Second}, {9, 5 * time.Second}}
	for _, tt := range tests {
		if got := cfg.backoff(tt.delivered); got != tt.want {
			t.Errorf("backoff after delivery %d = %s, want %s", tt.delivered, got, tt.want)
		}
	}
}

func TestDLQFilterSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter DLQFilter
		want   string
	}{
		{DLQFilter{}, "dlq.>"},
		{DLQFilter{Service: "payment"}, "dlq.payment.>"},
		{DLQFilter{Type: "order.placed.v1"}, "dlq.*.order.placed.v1"},
		{DLQFilter{Service: "payment", Type: "order.placed.v1"}, "dlq.payment.order.placed.v1"},
	}
	for _, tt := range tests {
		if got := tt.filter.subject(); got != tt.want {
			t.Errorf("%+v: subject %q, want %q", tt.filter, got, tt.want)
		}
	}
}

func TestTypeTokens(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"order.placed.v1": "order.placed.v1",
		"":                "unknown",
		"order..v1":       "unknown",
		"order.*.v1":      "unknown",
		"order.>":         "unknown",
		"order placed":    "unknown",
	}
	for typ, want := range tests {
		if got := typeTokens(typ); got != want {
			t.Errorf("typeTokens(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestConsumerConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ConsumerConfig{Service: "payment", Subjects: []string{"inventory.reserved.>"}}.withDefaults()
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Stream != "INVENTORY" || cfg.Durable != "payment-inventory" || cfg.MaxDeliver != DefaultMaxDeliver ||
		cfg.AckWait != DefaultAckWait || cfg.BatchSize != DefaultBatchSize || cfg.Concurrency != DefaultConcurrency {
		t.Errorf("defaults: %+v", cfg)
	}
	if _, err := (ConsumerConfig{Subjects: []string{"order.>"}}).withDefaults(); err == nil {
		t.Error("a config without service was accepted")
	}
}
