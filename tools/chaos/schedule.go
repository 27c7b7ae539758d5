package chaos

import (
	"fmt"
	"strings"
	"time"
)

// Schedule is the faults of a run, injected one after another with Gap
// between the end of one and the start of the next.
type Schedule struct {
	Faults []Fault
	// Lead is the steady load before the first fault, the rate that the
	// first recovery is measured against.
	Lead time.Duration
	// Gap separates one fault's end from the next one's start, so each
	// recovery is seen on its own.
	Gap time.Duration
	// Tail is the load after the last fault.
	Tail time.Duration
}

// Kinds returns the distinct kinds of the schedule's faults.
func (s Schedule) Kinds() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range s.Faults {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			out = append(out, f.Kind)
		}
	}
	return out
}

// Estimate is how long the schedule takes, counting restarts as restartTime.
func (s Schedule) Estimate() time.Duration {
	const restartTime = 10 * time.Second
	d := s.Lead + s.Tail
	for _, f := range s.Faults {
		d += f.Hold + s.Gap
		if f.Kind == KindKill || f.Kind == KindKillTwo || f.Kind == KindProvider {
			d += restartTime
		}
	}
	return d
}

// Short is three faults in about two minutes, for the test suite: a
// service killed, a black hole between a service and its database, and
// nats-server killed and restarted on its store.
func Short() Schedule {
	return Schedule{
		Lead: 15 * time.Second, Gap: 15 * time.Second, Tail: 10 * time.Second,
		Faults: []Fault{
			{Kind: KindKill, Target: "inventory"},
			{Kind: KindBlackhole, Target: LinkName("payment", "postgres"), Hold: 10 * time.Second},
			{Kind: KindNATSKill, Target: "nats-server", Hold: 2 * time.Second},
		},
	}
}

// blackholed are the links the full schedule black-holes, one by one:
// every link of the platform.
var blackholed = [][2]string{
	{"order", "nats"}, {"inventory", "nats"}, {"payment", "nats"}, {"notification", "nats"}, {"gateway", "nats"},
	{"order", "postgres"}, {"inventory", "postgres"}, {"payment", "postgres"},
	{"notification", "ferretdb"}, {"order", "inventory"}, {"payment", "provider"},
	{"gateway", "order"}, {"gateway", "inventory"}, {"gateway", "payment"}, {"gateway", "notification"},
}

// Full is the schedule of `make chaos`: every kind of fault, on every
// process and every link, 42 faults of 12 kinds, interleaved so that no
// two faults in a row are of one kind.
func Full() Schedule {
	var kills, others []Fault
	for _, svc := range []string{"order", "inventory", "payment", "notification", "provider", "gateway"} {
		kills = append(kills, Fault{Kind: KindKill, Target: svc})
	}
	kills = append(kills,
		Fault{Kind: KindKillTwo, Target: "order+inventory"},
		Fault{Kind: KindKillTwo, Target: "payment+notification"})
	var holes []Fault
	for i, l := range blackholed {
		hold := []time.Duration{10 * time.Second, 15 * time.Second, 20 * time.Second, 30 * time.Second}[i%4]
		holes = append(holes, Fault{Kind: KindBlackhole, Target: LinkName(l[0], l[1]), Hold: hold})
	}
	others = append(others,
		Fault{Kind: KindNATSKill, Target: "nats-server", Hold: 2 * time.Second},
		Fault{Kind: KindLatency, Target: LinkName("order", "postgres"), Hold: 15 * time.Second},
		Fault{Kind: KindPGImmediate, Target: "postgres", Hold: 10 * time.Second},
		Fault{Kind: KindBandwidth, Target: LinkName("notification", "ferretdb"), Hold: 15 * time.Second},
		Fault{Kind: KindReset, Target: LinkName("order", "nats"), Hold: 5 * time.Second},
		Fault{Kind: KindFerretKill, Target: "ferretdb", Hold: 5 * time.Second},
		Fault{Kind: KindProvider, Target: "provider", Hold: 20 * time.Second},
		Fault{Kind: KindDuplicates, Target: "jetstream"},
		Fault{Kind: KindLatency, Target: LinkName("payment", "provider"), Hold: 20 * time.Second},
		Fault{Kind: KindSlowHandler, Target: LinkName("notification", "ferretdb"), Hold: ackWait + 10*time.Second},
		Fault{Kind: KindReset, Target: LinkName("payment", "postgres"), Hold: 5 * time.Second},
		Fault{Kind: KindBandwidth, Target: LinkName("gateway", "inventory"), Hold: 15 * time.Second},
		Fault{Kind: KindNATSKill, Target: "nats-server", Hold: 5 * time.Second},
		Fault{Kind: KindLatency, Target: LinkName("gateway", "order"), Hold: 15 * time.Second},
		Fault{Kind: KindPGImmediate, Target: "postgres", Hold: 5 * time.Second},
		Fault{Kind: KindReset, Target: LinkName("order", "inventory"), Hold: 5 * time.Second},
		Fault{Kind: KindDuplicates, Target: "jetstream"},
		Fault{Kind: KindLatency, Target: LinkName("inventory", "nats"), Hold: 20 * time.Second},
		Fault{Kind: KindFerretKill, Target: "ferretdb", Hold: 2 * time.Second},
	)
	return Schedule{
		Lead: 20 * time.Second, Gap: 8 * time.Second, Tail: 20 * time.Second,
		Faults: interleave(kills, holes, others),
	}
}

// interleave takes one fault from each list in turn until all are used.
func interleave(lists ...[]Fault) []Fault {
	var out []Fault
	for i := 0; ; i++ {
		took := false
		for _, l := range lists {
			if i < len(l) {
				out = append(out, l[i])
				took = true
			}
		}
		if !took {
			return out
		}
	}
}

// ParseFaults reads an ad-hoc schedule's faults, "kind:target:hold,...",
// such as "pg_immediate:postgres:40s,kill:notification:0s"; the hold may
// be left out for kills and the duplicate flood.
func ParseFaults(spec string) ([]Fault, error) {
	var out []Fault
	for _, item := range strings.Split(spec, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("fault %q: want kind:target[:hold]", item)
		}
		f := Fault{Kind: parts[0], Target: parts[1]}
		if len(parts) == 3 {
			d, err := time.ParseDuration(parts[2])
			if err != nil {
				return nil, fmt.Errorf("fault %q: %w", item, err)
			}
			f.Hold = d
		}
		out = append(out, f)
	}
	return out, nil
}
