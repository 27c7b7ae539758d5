package scale

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/tools/stack"
)

// StreamLeader returns the index in Stack.NATSNodes of the node leading
// stream (the stack names node i "eventshop-nats-<i+1>").
func (p *Platform) StreamLeader(ctx context.Context, stream string) (int, error) {
	info, err := p.streamInfo(ctx, stream)
	if err != nil {
		return 0, err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return 0, fmt.Errorf("stream %s has no leader", stream)
	}
	for i := range p.Stack.NATSNodes {
		if info.Cluster.Leader == fmt.Sprintf("eventshop-nats-%d", i+1) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("stream %s led by unknown node %q", stream, info.Cluster.Leader)
}

// CaughtUp is nil when every stream has its configured replicas, all of
// them current and without lag: a node that was down has caught up.
func (p *Platform) CaughtUp(ctx context.Context) error {
	for _, name := range []string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION", "DLQ"} {
		info, err := p.streamInfo(ctx, name)
		if err != nil {
			return err
		}
		if info.Cluster == nil || info.Cluster.Leader == "" {
			return fmt.Errorf("stream %s has no leader", name)
		}
		if got := len(info.Cluster.Replicas) + 1; got != info.Config.Replicas {
			return fmt.Errorf("stream %s has %d of %d replicas", name, got, info.Config.Replicas)
		}
		var behind []string
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Offline || r.Lag > 0 {
				behind = append(behind, fmt.Sprintf("%s (lag %d)", r.Name, r.Lag))
			}
		}
		if len(behind) > 0 {
			return fmt.Errorf("stream %s: replicas behind: %s", name, strings.Join(behind, ", "))
		}
	}
	return nil
}

// StreamReplicas returns the replica count each platform stream is
// configured with.
func (p *Platform) StreamReplicas(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, name := range []string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION", "DLQ"} {
		info, err := p.streamInfo(ctx, name)
		if err != nil {
			return nil, err
		}
		out[name] = info.Config.Replicas
	}
	return out, nil
}

func (p *Platform) streamInfo(ctx context.Context, name string) (*jetstream.StreamInfo, error) {
	s, err := p.JS.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	return s.Info(ctx)
}

// Node returns the process of node i of the stack's NATS.
func (p *Platform) Node(i int) *stack.Process { return p.Stack.NATSNodes[i] }
