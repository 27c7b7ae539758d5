package stack

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Replicated are the services that Options.Replicas runs several of: the
// ones that share a database and durable consumers. The gateway is the one
// entry point, and the provider stands for an external payment provider.
var Replicated = []string{"order", "inventory", "payment", "notification"}

// replicaPortStep separates the fixed ports of one service's replicas: the
// second order replica listens on 8181, the third on 8281.
const replicaPortStep = 100

// ReplicaName names replica i (from 1) of service: the first keeps the
// service's name, so that a stack of one replica looks as it always did;
// the others are "order-2", "order-3".
func ReplicaName(service string, i int) string {
	if i <= 1 {
		return service
	}
	return fmt.Sprintf("%s-%d", service, i)
}

// ServiceOf returns the service a replica name belongs to.
func ServiceOf(replica string) string {
	for _, svc := range Services {
		if replica == svc || strings.HasPrefix(replica, svc+"-") {
			return svc
		}
	}
	return replica
}

// replicaCount is how many replicas of service the stack runs.
func (s *Stack) replicaCount(service string) int {
	if s.opts.Replicas > 1 && slices.Contains(Replicated, service) {
		return s.opts.Replicas
	}
	return 1
}

// Replicas returns the names of service's replicas, the first one first.
func (s *Stack) Replicas(service string) []string {
	names := make([]string, s.replicaCount(service))
	for i := range names {
		names[i] = ReplicaName(service, i+1)
	}
	return names
}

// processes returns every replica of the services the stack runs, in start
// order.
func (s *Stack) processes() []string {
	var names []string
	for _, svc := range s.services() {
		names = append(names, s.Replicas(svc)...)
	}
	return names
}

// fixedPort is the port replica i of service listens on under FixedPorts.
func fixedPort(service string, i int) int {
	return Ports[service] + replicaPortStep*(i-1)
}

// replicaURLs is the comma-separated base URLs of service's replicas, each
// routed from the caller, as the gateway's upstream variables take them.
func (s *Stack) replicaURLs(r *router, service string) string {
	urls := make([]string, 0, s.replicaCount(service))
	for _, name := range s.Replicas(service) {
		urls = append(urls, r.url(service, s.URL(name)))
	}
	return strings.Join(urls, ",")
}

// withApplicationName names the connections of replica in PostgreSQL
// (pg_stat_activity.application_name), so that a tool can tell which
// replica holds a lock.
func withApplicationName(raw, replica string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("database url of %s: %w", replica, err)
	}
	q := u.Query()
	q.Set("application_name", replica)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
