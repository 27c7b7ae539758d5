//go:build linux

package gateway_test

import (
	"testing"
)

// TestGatewayBinaryBalancesReplicas runs the replica test on the real
// gateway binary, given both order replicas in GATEWAY_ORDER_URL.
func TestGatewayBinaryBalancesReplicas(t *testing.T) {
	t.Parallel()
	bin := buildGateway(t)
	others := newUpstream(t, "inventory")
	replicaDies(t, func(t *testing.T, orderURL string) string {
		p := startGateway(t, bin, others, 0, "GATEWAY_ORDER_URL="+orderURL, "GATEWAY_PROBE_INTERVAL=100ms")
		return "http://" + p.addr
	})
}
