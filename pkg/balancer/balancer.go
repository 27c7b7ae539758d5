// Package balancer spreads the requests to an upstream service over its
// replicas, in turn, skipping the replicas that are down: those whose
// breaker is open, whose connection failed, or whose readiness probe
// failed, until their probe answers again. The gateway forwards through it,
// and a service that calls another (order's price lookup) does too.
//
// Round robin rather than least-in-flight: the replicas are the same
// binary on equal footing, sharing one database, so a count of requests in
// flight would mostly measure noise, while the breaker and the probe
// already take a sick replica out; round robin keeps the choice to one
// atomic add.
package balancer

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Replica is one instance of an upstream service.
type Replica struct {
	// URL is the replica's scheme and host, the base of every path
	// forwarded to it.
	URL     *url.URL
	breaker *breaker
	ready   atomic.Bool      // last probe answered, and no connection failed since
	gauge   prometheus.Gauge // readiness; nil for none
}

// Upstream is one service and its replicas.
type Upstream struct {
	Name     string
	Replicas []*Replica
	next     atomic.Uint32
	log      *slog.Logger
	open     time.Duration
	// forget drops the idle connections to a replica found down.
	forget func(host string)
}

// Options are what every Upstream shares. Zero values: the default
// logger, the breaker's default settings, nothing to forget and no
// metrics.
type Options struct {
	Log     *slog.Logger
	Breaker Settings
	// Forget, when set, drops the idle connections to a host: those to a
	// replica that died would each fail one request.
	Forget func(host string)
	// Metrics, when set, has each replica's breaker state and readiness
	// (NewMetrics).
	Metrics *Metrics
}

// New parses urls, one base URL or a comma-separated list of them, one
// per replica ("http://localhost:8081,http://localhost:9081"). Every
// replica starts ready.
func New(name, urls string, opts Options) (*Upstream, error) {
	s := opts.Breaker.WithDefaults()
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	up := &Upstream{Name: name, log: opts.Log, open: s.OpenTimeout, forget: opts.Forget}
	if up.forget == nil {
		up.forget = func(string) {}
	}
	for _, base := range strings.Split(urls, ",") {
		base = strings.TrimSpace(base)
		u, err := url.Parse(base)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("upstream %s url %q: not an absolute http url", name, base)
		}
		state, ready := opts.Metrics.gauges(name, u.Host)
		r := &Replica{URL: &url.URL{Scheme: u.Scheme, Host: u.Host}, breaker: newBreaker(opts.Log, s, name, u.Host, state), gauge: ready}
		r.ready.Store(true)
		setGauge(r.gauge, 1)
		up.Replicas = append(up.Replicas, r)
	}
	return up, nil
}

// RetryAfter is how long an open breaker waits, a fair hint for
// Retry-After.
func (u *Upstream) RetryAfter() time.Duration { return u.open }

// Do runs send on one replica and returns its error. send returns what
// the replica's breaker records: nil, ErrUpstream for a 5xx, a
// timeout, a connection error, or an error wrapping context.Canceled when
// the client went away. A replica send could not reach is down until its
// probe answers again, and its breaker then closes at once. When not even
// its connection succeeded, nothing was
// sent, and send runs once more on another replica; so it does when the
// connection broke and the request is idempotent (a bodiless GET, HEAD or
// OPTIONS), never otherwise.
func (u *Upstream) Do(idempotent bool, send func(*Replica) error) error {
	if len(u.Replicas) == 1 { // the common case, as plain as it can be
		r := u.Replicas[0]
		done, err := r.breaker.allow()
		if err != nil {
			return err
		}
		err = send(r)
		done(err)
		if unreached(err) {
			u.setReady(r, err)
		}
		return err
	}
	var failed *Replica
	var sendErr error
	for {
		r, done, err := u.pick(failed)
		switch {
		case err != nil && failed != nil:
			return sendErr // no other replica to try
		case err != nil:
			return err
		}
		sendErr = send(r)
		done(sendErr)
		if !unreached(sendErr) {
			return sendErr
		}
		u.setReady(r, sendErr)
		if failed != nil || !(idempotent || notConnected(sendErr)) {
			return sendErr
		}
		failed = r
	}
}

// pick returns the next replica in turn, other than skip, that is ready
// and whose breaker admits a request, with the breaker's done. When no
// ready replica admits one, any replica whose breaker does is taken: a
// probe can be wrong, and answering is better than refusing.
func (u *Upstream) pick(skip *Replica) (*Replica, func(error), error) {
	n := uint32(len(u.Replicas))
	start := u.next.Add(1)
	for _, wantReady := range []bool{true, false} {
		for i := range n {
			r := u.Replicas[(start+i)%n]
			if r == skip || (wantReady && !r.ready.Load()) {
				continue
			}
			if done, err := r.breaker.allow(); err == nil {
				return r, done, nil
			}
		}
	}
	return nil, nil, ErrOpen
}

// unreached reports whether err says the replica itself failed, not the
// request: a connection refused, timed out while dialling, reset or closed
// (the route's timeout and a client leaving are not network errors).
func unreached(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// notConnected reports whether err is a connection that was never made:
// nothing of the request was sent.
func notConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Statuses is each replica's breaker and readiness.
func (u *Upstream) Statuses() []Status {
	out := make([]Status, 0, len(u.Replicas))
	for _, r := range u.Replicas {
		ready := r.ready.Load()
		out = append(out, Status{Name: u.Name, Replica: r.URL.Host, State: r.breaker.state(), Ready: &ready})
	}
	return out
}

// State is the state of the upstream as one breaker: "closed" while a
// replica's breaker is closed, else "half-open" while one is, else "open".
// It is what a service that calls the upstream reports as its breaker.
func (u *Upstream) State() string {
	best := "open"
	for _, r := range u.Replicas {
		switch st := r.breaker.state(); st {
		case "closed":
			return st
		case "half-open":
			best = st
		}
	}
	return best
}
