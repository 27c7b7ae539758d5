package stack

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// maxStreamReplicas is the most replicas JetStream keeps of a stream.
const maxStreamReplicas = 3

// StreamReplicas is how many copies of each stream the services ask for:
// one per node of the stack's NATS, at most three.
func (s *Stack) StreamReplicas() int {
	return min(max(s.opts.NATSNodes, 1), maxStreamReplicas)
}

// startNATSCluster runs Options.NATSNodes nats-server nodes routed to each
// other as the JetStream cluster "eventshop", each with its store in
// DataDir/nats-<n>, and waits until the cluster has a JetStream leader.
// Node n listens for clients on 4221+n and for routes on 6221+n under
// FixedPorts.
func (s *Stack) startNATSCluster(ctx context.Context) error {
	n := s.opts.NATSNodes
	clientPorts, routePorts := make([]int, n), make([]int, n)
	routes := make([]string, n)
	for i := range n {
		var err error
		if clientPorts[i], err = s.port(4222 + i); err != nil {
			return err
		}
		if routePorts[i], err = s.port(6222 + i); err != nil {
			return err
		}
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", routePorts[i])
	}
	for i := range n {
		name := fmt.Sprintf("nats-%d", i+1)
		p := s.infraProcess(name, 37,
			"-a", "127.0.0.1", "-p", strconv.Itoa(clientPorts[i]), "-js", "-n", "eventshop-"+name,
			"-sd", filepath.Join(s.opts.DataDir, name),
			"--cluster_name", "eventshop", "--cluster", routes[i], "--routes", strings.Join(routes, ","))
		p.Path = filepath.Join(s.opts.BinDir, "nats-server")
		if err := p.Start(); err != nil {
			return err
		}
		s.NATSNodes = append(s.NATSNodes, p)
		s.NATSURLs = append(s.NATSURLs, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	s.NATS, s.NATSURL = s.NATSNodes[0], s.NATSURLs[0]
	for i, url := range s.NATSURLs {
		if err := waitJetStream(ctx, url); err != nil {
			return fmt.Errorf("nats node %d: %w", i+1, err)
		}
	}
	return nil
}

// natsURLs is the comma-separated URL of every NATS node, each routed from
// r's service, as NATS_URL takes them.
func (s *Stack) natsURLs(r *router) string {
	urls := make([]string, len(s.NATSURLs))
	for i, u := range s.NATSURLs {
		urls[i] = r.url("nats", u)
	}
	return strings.Join(urls, ",")
}
