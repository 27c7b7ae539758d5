package chaos_test

import (
	"testing"

	"github.com/eventshop/eventshop/tools/chaos"
)

// TestFullScheduleCoversTheBrief checks the full schedule against what
// `make chaos` promises: at least 30 faults of at least 8 kinds, every
// kind of fault, and a black hole on every link.
func TestFullScheduleCoversTheBrief(t *testing.T) {
	s := chaos.Full()
	if len(s.Faults) < 30 {
		t.Errorf("%d faults, want at least 30", len(s.Faults))
	}
	kinds := map[string]bool{}
	holes := map[string]bool{}
	for i, f := range s.Faults {
		kinds[f.Kind] = true
		if f.Kind == chaos.KindBlackhole {
			holes[f.Target] = true
			if f.Hold < 10e9 || f.Hold > 30e9 {
				t.Errorf("black hole on %s lasts %s, want 10-30 s", f.Target, f.Hold)
			}
		}
		if i > 0 && s.Faults[i-1].Kind == f.Kind {
			t.Errorf("faults %d and %d are both %s", i-1, i, f.Kind)
		}
	}
	for _, k := range []string{chaos.KindKill, chaos.KindKillTwo, chaos.KindNATSKill, chaos.KindPGImmediate,
		chaos.KindFerretKill, chaos.KindLatency, chaos.KindBandwidth, chaos.KindReset, chaos.KindBlackhole,
		chaos.KindProvider, chaos.KindSlowHandler, chaos.KindDuplicates} {
		if !kinds[k] {
			t.Errorf("no %s fault", k)
		}
	}
	for _, link := range []string{"order->nats", "inventory->nats", "payment->nats", "notification->nats",
		"gateway->nats", "order->postgres", "inventory->postgres", "payment->postgres", "notification->ferretdb",
		"order->inventory", "payment->provider", "gateway->order", "gateway->inventory", "gateway->payment",
		"gateway->notification"} {
		if !holes[link] {
			t.Errorf("no black hole on %s", link)
		}
	}
	t.Logf("%d faults of %d kinds, about %s", len(s.Faults), len(s.Kinds()), s.Estimate())
}
