package service_test

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/eventshop/eventshop/schemas"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

// replicaLease is the replicas' leader lease: short, so that a test that
// lost a leader without its goodbye would still see a successor soon.
const replicaLease = 3 * time.Second

// replica is one of several notification services on one store and NATS.
type replica struct {
	base string
	stop func()
}

// TestOnlyTheLeaderRelaysAndAnotherTakesOverWhenItStops runs two
// replicas of the service on one FerretDB database and one NATS: of the
// two, only the elected one relays the outbox, also the sent events of
// notifications the other recorded and delivered; once it stops, the other
// leads and relays what is committed after the stop. Every order is
// announced exactly once, and no event or list entry is left behind.
func TestOnlyTheLeaderRelaysAndAnotherTakesOverWhenItStops(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, testkit.NATS(t).URL())
	cfg.LeaderLease = replicaLease
	rs := []replica{startReplica(t, cfg), startReplica(t, cfg)}
	h := connectHarness(t, cfg, rs[0].base)
	lead := awaitLeader(t, rs)
	other := 1 - lead

	before := h.announce(20)
	if got := metric(t, rs[other].base, "eventshop_outbox_relayed_total"); got != 0 {
		t.Errorf("the replica that does not lead relayed %v events, want 0", got)
	}
	// The counter follows the removal from the document, after the ack.
	testkit.Eventually(t, waitFor, func() bool {
		return metric(t, rs[lead].base, "eventshop_outbox_relayed_total") == float64(len(before))
	}, "the leader did not relay the %d events", len(before))
	if got := metric(t, rs[other].base, "eventshop_outbox_relayed_total"); got != 0 {
		t.Errorf("the replica that does not lead relayed %v events, want 0", got)
	}
	t.Logf("recorded: leader %v, other %v", metric(t, rs[lead].base, "eventshop_notification_recorded_total"),
		metric(t, rs[other].base, "eventshop_notification_recorded_total"))

	stopped := time.Now()
	rs[lead].stop()
	testkit.Eventually(t, waitFor, func() bool { return leading(t, rs[other].base) }, "no takeover after the leader stopped")
	t.Logf("the other replica led %v after the leader stopped", time.Since(stopped))
	after := h.announce(10)
	testkit.Eventually(t, waitFor, func() bool {
		return metric(t, rs[other].base, "eventshop_outbox_relayed_total") >= float64(len(after))
	}, "the new leader did not relay the %d events committed after the stop", len(after))
	h.nothingLeft(append(before, after...))
}

// startReplica serves one replica with cfg.
func startReplica(t *testing.T, cfg service.Config) replica {
	t.Helper()
	base, stop := serve(t, cfg)
	return replica{base: base, stop: stop}
}

// awaitLeader waits until exactly one of rs leads, and returns its index.
func awaitLeader(t *testing.T, rs []replica) int {
	t.Helper()
	lead := -1
	testkit.Eventually(t, waitFor, func() bool {
		lead = -1
		for i, r := range rs {
			if leading(t, r.base) {
				if lead >= 0 {
					return false
				}
				lead = i
			}
		}
		return lead >= 0
	}, "not exactly one replica leads")
	return lead
}

// leading reads the replica's eventshop_leader_leading gauge.
func leading(t *testing.T, base string) bool {
	t.Helper()
	return metric(t, base, `eventshop_leader_leading{election="notification"`) == 1
}

// announce publishes n confirmed orders and waits until each is
// announced once, and returns their ids.
func (h *harness) announce(n int) []string {
	h.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
		h.publish(h.final(schemas.TypeOrderConfirmedV1, ids[i], "dora"))
	}
	for _, id := range ids {
		testkit.Eventually(h.t, waitFor, func() bool { return h.sentEvents(id) == 1 }, "no notification.sent.v1 for %s", id)
	}
	return ids
}

// nothingLeft checks that each order was announced exactly once, that
// no document holds an unpublished event and that the unfinished list
// is empty once the relay dropped the announced notifications.
func (h *harness) nothingLeft(ids []string) {
	h.t.Helper()
	for _, id := range ids {
		if got := h.sentEvents(id); got != 1 {
			h.t.Errorf("notification.sent.v1 events of %s = %d, want 1", id, got)
		}
	}
	pending := bson.M{"outbox.0": bson.M{"$exists": true}}
	if n, err := h.coll.CountDocuments(h.t.Context(), pending); err != nil || n != 0 {
		h.t.Errorf("documents with pending events = %d (%v), want 0", n, err)
	}
	list := h.coll.Database().Collection(mongorepo.Unfinished)
	testkit.Eventually(h.t, waitFor, func() bool {
		n, err := list.CountDocuments(h.t.Context(), bson.M{})
		return err == nil && n == 0
	}, "notifications left on the unfinished list")
}

// metric reads the first sample whose line starts with name from the
// replica's /metrics, 0 when there is none.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(testkit.GetText(t, base+"/metrics")))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric %q: %v", line, err)
		}
		return v
	}
	return 0
}
