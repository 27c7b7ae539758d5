package load

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Op names one kind of client operation.
type Op string

// The operations of the mix, and the ones the generator adds on its own.
const (
	OpBrowse Op = "browse" // GET /api/v1/products, anonymous (the cached path)
	OpPlace  Op = "place"  // POST /api/v1/orders with a card from Cards
	OpList   Op = "list"   // GET /api/v1/orders, its first page
	OpRead   Op = "read"   // GET /api/v1/orders/{id} of one of the customer's orders
	OpCancel Op = "cancel" // POST /api/v1/orders/{id}/cancel of a pending order
	OpFollow Op = "follow" // follow one order to its end (see Follower)
	// OpSaga is not in the mix: it is one placed order followed from its
	// placement to its final status by the saga trackers.
	OpSaga Op = "saga"
	// OpFault is not in the mix: it is a fault a caller injected.
	OpFault Op = "fault"
)

// MixOps are the operations a Mix weighs, in report order.
var MixOps = []Op{OpBrowse, OpPlace, OpList, OpRead, OpCancel, OpFollow}

// Mix weighs the operations: each arrival is op with probability
// Mix[op] / sum of the weights. A missing operation has weight zero.
type Mix map[Op]float64

// DefaultMix is mostly orders, with the reads a shop's customers make
// around them: 50 % place, 20 % browse, 10 % list, 10 % read, 5 % cancel,
// 5 % follow.
func DefaultMix() Mix {
	return Mix{OpPlace: 50, OpBrowse: 20, OpList: 10, OpRead: 10, OpCancel: 5, OpFollow: 5}
}

// Share is op's fraction of all arrivals.
func (m Mix) Share(op Op) float64 {
	var sum float64
	for _, w := range m {
		sum += w
	}
	if sum == 0 {
		return 0
	}
	return m[op] / sum
}

// pick draws an operation for u uniform in [0, 1).
func (m Mix) pick(u float64) Op {
	var sum float64
	for _, op := range MixOps {
		sum += m[op]
	}
	x := u * sum
	for _, op := range MixOps {
		if x < m[op] {
			return op
		}
		x -= m[op]
	}
	return OpPlace
}

// String renders the mix as ParseMix reads it.
func (m Mix) String() string { return weights(m) }

// ParseMix reads "place=50,browse=20,..." (weights, any scale).
func ParseMix(spec string) (Mix, error) {
	w, err := parseWeights(spec, func(k string) bool {
		for _, op := range MixOps {
			if string(op) == k {
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("mix: %w", err)
	}
	m := Mix{}
	for k, v := range w {
		m[Op(k)] = v
	}
	return m, nil
}

// Card tokens of the simulated payment provider.
const (
	CardVisa    = "tok_visa"    // approves: the order is confirmed
	CardDecline = "tok_decline" // declines: the order is cancelled
	CardTimeout = "tok_timeout" // never answers in time: the order is cancelled
)

// Cards weighs the card tokens orders are paid with, like Mix.
type Cards map[string]float64

// DefaultCards is 90 % approved, 5 % declined, 5 % timed out.
func DefaultCards() Cards {
	return Cards{CardVisa: 90, CardDecline: 5, CardTimeout: 5}
}

// String renders the cards as ParseCards reads them.
func (c Cards) String() string { return weights(c) }

// pick draws a card token for u uniform in [0, 1).
func (c Cards) pick(u float64) string {
	keys := sortedKeys(c)
	var sum float64
	for _, k := range keys {
		sum += c[k]
	}
	x := u * sum
	for _, k := range keys {
		if x < c[k] {
			return k
		}
		x -= c[k]
	}
	return CardVisa
}

// ParseCards reads "tok_visa=90,tok_decline=5,tok_timeout=5".
func ParseCards(spec string) (Cards, error) {
	w, err := parseWeights(spec, func(k string) bool { return strings.HasPrefix(k, "tok_") })
	if err != nil {
		return nil, fmt.Errorf("cards: %w", err)
	}
	return Cards(w), nil
}

func parseWeights(spec string, known func(string) bool) (map[string]float64, error) {
	out := map[string]float64{}
	var sum float64
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		w, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || w < 0 {
			return nil, fmt.Errorf("%q: want name=weight with a weight >= 0", kv)
		}
		if !known(k) {
			return nil, fmt.Errorf("%q: unknown name %q", kv, k)
		}
		out[k] = w
		sum += w
	}
	if sum <= 0 {
		return nil, fmt.Errorf("%q: the weights add up to zero", spec)
	}
	return out, nil
}

func weights[K ~string](m map[K]float64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%g", k, m[k]))
	}
	return strings.Join(parts, ",")
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Config says what a run does. Gateway, Pacer, Duration and Tokens are
// required; every other zero value means the default given beside it.
type Config struct {
	// Gateway is the platform's base URL, e.g. http://localhost:8080.
	Gateway string
	// HTTP sends every request; nil means a client with keep-alive pools
	// sized for load and a 30 s timeout.
	HTTP *http.Client
	// Pacer sets when operations leave (Constant, Ramp, Steps or any
	// vegeta.Pacer).
	Pacer vegeta.Pacer
	// Duration is how long operations keep leaving.
	Duration time.Duration
	// Mix weighs the operations; nil means DefaultMix.
	Mix Mix
	// Cards weighs the cards orders are paid with; nil means DefaultCards.
	Cards Cards
	// Customers is how many distinct synthetic customers take turns; 0
	// means 200. Each has its own identity, so per-user rate limits and
	// "own orders only" apply to each.
	Customers int
	// Tokens gives each customer, and the admin who restocks, a bearer
	// token. Required.
	Tokens Tokens
	// MaxInFlight bounds the operations under way at once; an arrival
	// beyond it is not sent and counts as skipped (a sign that the client,
	// not the platform, is the limit). 0 means 4096.
	MaxInFlight int
	// Trackers bounds the concurrent polls that follow placed orders to
	// their final status; 0 means 16.
	Trackers int
	// SettleTimeout bounds how long after the last arrival placed orders
	// are still followed; an order not final by then is stuck. 0 means 2 min.
	SettleTimeout time.Duration
	// MinStock is the stock each product must have available before the
	// run, restocked as admin when short; 0 means enough for every order
	// the schedule places, -1 means never restock.
	MinStock int64
	// Follower follows an order for OpFollow; nil means PollFollower.
	Follower Follower
	// Log receives the operation log (JSON lines); nil writes none.
	Log *OpLog
	// Live receives the live view every LiveEvery (0 means 1 s); nil shows
	// none. With LiveRefresh the view rewrites one line in place (for a
	// terminal); without, it prints a line each time.
	Live        io.Writer
	LiveEvery   time.Duration
	LiveRefresh bool
	// Logger receives the run's own messages; nil discards them.
	Logger *slog.Logger
	// Rand draws operations, customers, cards and products; nil means a
	// randomly seeded source. A fixed seed repeats a run's choices.
	Rand *rand.Rand
}
