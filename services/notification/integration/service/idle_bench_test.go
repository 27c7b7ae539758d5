package service_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/eventshop/eventshop/services/notification/internal/service"
)

// BenchmarkIdleWith30kNotifications measures the CPU an idle notification
// service and its store use with 30,000 notifications stored: the
// worker's sweep of the list of unfinished notifications, empty here, is
// all that runs once the start passes over the collection are over. The
// store runs in this process when it is the embedded FerretDB (no
// MONGO_URL), so its share is counted too. Each iteration is a 20 s window,
// after 15 s for the start passes to finish.
//
//	make bench-idle   (from the repository root)
func BenchmarkIdleWith30kNotifications(b *testing.B) {
	h := start(b, func(c *service.Config) { c.PollInterval = 5 * time.Second }) // the default
	storeNotifications(b, h, 30000)
	time.Sleep(15 * time.Second) // the start passes over the collection finish
	b.ResetTimer()
	var used time.Duration
	for b.Loop() {
		c0 := processCPU(b)
		time.Sleep(20 * time.Second) // the idle window measured
		used += processCPU(b) - c0
	}
	b.ReportMetric(100*used.Seconds()/(20*float64(b.N)), "%cpu")
}

// storeNotifications inserts n SENT notifications as the service stores them.
func storeNotifications(b *testing.B, h *harness, n int) {
	docs := make([]any, 0, 1000)
	for i := range n {
		docs = append(docs, bson.M{"_id": fmt.Sprintf("idle-%08d", i), "customer_id": "alice",
			"kind": "order.confirmed", "subject": "Your order is confirmed",
			"body":   "Your order of 3 items, 42.00 EUR, is confirmed and on its way.",
			"status": "SENT", "attempts": 1, "channel": "log", "created_at": time.Now(), "sent_at": time.Now(),
			"event_id":     "0190f7a2-aaaa-bbbb-cccc-dddddddddddd",
			"trace_parent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "outbox": bson.A{}})
		if len(docs) == cap(docs) || i == n-1 {
			if _, err := h.coll.InsertMany(b.Context(), docs); err != nil {
				b.Fatalf("insert: %v", err)
			}
			docs = docs[:0]
		}
	}
}

// processCPU is the user and system time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
