package stack

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// envOf returns the variables env gives replica, without the prefix of
// its service.
func envOf(t *testing.T, s *Stack, replica string) map[string]string {
	t.Helper()
	env, err := s.env(replica)
	if err != nil {
		t.Fatal(err)
	}
	prefix := strings.ToUpper(ServiceOf(replica)) + "_"
	out := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, prefix); ok {
			out[name] = v
		}
	}
	return out
}

func replicatedStack(t *testing.T, replicas, nodes int) *Stack {
	t.Helper()
	s := &Stack{opts: Options{Replicas: replicas, NATSNodes: nodes, FixedPorts: true}, ports: map[string]int{},
		NATSURLs:     []string{"nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"}[:nodes],
		DatabaseURLs: map[string]string{"order": "postgres://order_svc@127.0.0.1:5432/order?sslmode=disable"}}
	if err := s.prepare(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReplicasGetTheirOwnPortsAndShareTheRest checks what each of two
// order replicas is given: its own address and connection name, the same
// database and every NATS node; and that the gateway is given both.
func TestReplicasGetTheirOwnPortsAndShareTheRest(t *testing.T) {
	s := replicatedStack(t, 2, 3)
	if diff := cmp.Diff([]string{"order", "order-2"}, s.Replicas("order")); diff != "" {
		t.Errorf("order replicas (-want +got):\n%s", diff)
	}
	if got := s.Replicas("gateway"); !slices.Equal(got, []string{"gateway"}) {
		t.Errorf("gateway replicas %v, want one", got)
	}
	first, second := envOf(t, s, "order"), envOf(t, s, "order-2")
	for name, want := range map[string]string{
		"HTTP_ADDR": "127.0.0.1:8081", "STREAM_REPLICAS": "3",
		"NATS_URL":     "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224",
		"DATABASE_URL": "postgres://order_svc@127.0.0.1:5432/order?application_name=order&sslmode=disable",
	} {
		if first[name] != want {
			t.Errorf("order %s = %q, want %q", name, first[name], want)
		}
	}
	if second["HTTP_ADDR"] != "127.0.0.1:8181" {
		t.Errorf("order-2 HTTP_ADDR = %q, want 127.0.0.1:8181", second["HTTP_ADDR"])
	}
	if !strings.Contains(second["DATABASE_URL"], "application_name=order-2") {
		t.Errorf("order-2 DATABASE_URL %q does not name the replica", second["DATABASE_URL"])
	}
	gw := envOf(t, s, "gateway")
	if want := "http://127.0.0.1:8081,http://127.0.0.1:8181"; gw["ORDER_URL"] != want {
		t.Errorf("gateway ORDER_URL = %q, want %q", gw["ORDER_URL"], want)
	}
}

// TestOneReplicaIsUnchanged checks that the default stack runs one of each
// service on the usual port, with streams of one replica.
func TestOneReplicaIsUnchanged(t *testing.T) {
	s := replicatedStack(t, 0, 1)
	if got := s.processes(); !slices.Equal(got, Services) {
		t.Errorf("processes %v, want %v", got, Services)
	}
	env := envOf(t, s, "order")
	if env["HTTP_ADDR"] != "127.0.0.1:8081" || env["STREAM_REPLICAS"] != "1" || env["NATS_URL"] != "nats://127.0.0.1:4222" {
		t.Errorf("order env %v", env)
	}
	if gw := envOf(t, s, "gateway"); gw["ORDER_URL"] != "http://127.0.0.1:8081" {
		t.Errorf("gateway ORDER_URL = %q", gw["ORDER_URL"])
	}
}
