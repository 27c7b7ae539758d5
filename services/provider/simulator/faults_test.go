package simulator_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/provider/simulator"
)

func TestFailureRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rate       float64
		wantAll503 bool
		wantNo503  bool
	}{
		{"never", 0, false, true},
		{"always", 1, true, false},
		{"half", 0.5, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, url := start(t, simulator.Config{Faults: simulator.Faults{FailureRate: tt.rate}, Seed: 42})
			failed := 0
			const calls = 100
			for i := range calls {
				status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq(fmt.Sprint(i), simulator.TokenVisa))
				if status == http.StatusServiceUnavailable {
					failed++
				}
			}
			switch {
			case tt.wantAll503 && failed != calls, tt.wantNo503 && failed != 0:
				t.Fatalf("failed = %d of %d", failed, calls)
			case !tt.wantAll503 && !tt.wantNo503 && (failed == 0 || failed == calls):
				t.Fatalf("failed = %d of %d, want some but not all", failed, calls)
			}
			if got := len(sim.Authorizations()); got != calls-failed {
				t.Errorf("authorizations = %d, want %d: a failed call must change nothing", got, calls-failed)
			}
		})
	}
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	sim, url := start(t, simulator.Config{})
	status, body, _ := call(t, t.Context(), http.MethodPost, url+"/v1/admin/faults", map[string]any{"latency": "50ms", "failure_rate": 0.2})
	if status != http.StatusOK {
		t.Fatalf("status = %d (%v)", status, body)
	}
	if diff := cmp.Diff(map[string]any{"latency": "50ms", "failure_rate": 0.2}, body); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if got := sim.Faults().FailureRate; got != 0.2 {
		t.Errorf("failure rate = %v, want 0.2", got)
	}
	for _, bad := range []map[string]any{{"failure_rate": 1.5}, {"latency": "soon"}, {"latency": "-1s"}} {
		if status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/admin/faults", bad); status != http.StatusBadRequest {
			t.Errorf("%v: status = %d, want 400", bad, status)
		}
	}
	if err := sim.SetFaults(simulator.Faults{FailureRate: 2}); !errors.Is(err, simulator.ErrFaults) {
		t.Errorf("SetFaults(rate 2) = %v, want ErrFaults", err)
	}
}
