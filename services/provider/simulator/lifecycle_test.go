package simulator_test

import (
	"net/http"
	"testing"

	"github.com/eventshop/eventshop/services/provider/simulator"
)

func TestCaptureAndVoid(t *testing.T) {
	t.Parallel()
	type step struct {
		op         string // "capture" or "void"
		wantStatus int
		wantState  string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"capture twice is one capture", []step{
			{"capture", http.StatusOK, "captured"},
			{"capture", http.StatusOK, "captured"},
		}},
		{"void twice", []step{
			{"void", http.StatusOK, "voided"},
			{"void", http.StatusOK, "voided"},
		}},
		{"capture of voided conflicts", []step{
			{"void", http.StatusOK, "voided"},
			{"capture", http.StatusConflict, ""},
		}},
		{"void of captured conflicts", []step{
			{"capture", http.StatusOK, "captured"},
			{"void", http.StatusConflict, ""},
		}},
	}
	_, url := start(t, simulator.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, auth, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq(tt.name, simulator.TokenVisa))
			base := url + "/v1/authorizations/" + auth["id"].(string)
			for i, s := range tt.steps {
				status, body, _ := call(t, t.Context(), http.MethodPost, base+"/"+s.op, nil)
				if status != s.wantStatus {
					t.Fatalf("step %d %s: status = %d, want %d (%v)", i, s.op, status, s.wantStatus, body)
				}
				if s.wantState != "" && body["status"] != s.wantState {
					t.Fatalf("step %d %s: state = %v, want %s", i, s.op, body["status"], s.wantState)
				}
			}
			_, got, _ := call(t, t.Context(), http.MethodGet, base, nil)
			if c := got["captures"].(float64); c > 1 {
				t.Errorf("captures = %v, want at most 1", c)
			}
		})
	}
}

func TestUnknownAuthorization(t *testing.T) {
	t.Parallel()
	_, url := start(t, simulator.Config{})
	for _, path := range []string{"/capture", "/void"} {
		if status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations/auth_nope"+path, nil); status != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", path, status)
		}
	}
	if status, _, _ := call(t, t.Context(), http.MethodGet, url+"/v1/authorizations/auth_nope", nil); status != http.StatusNotFound {
		t.Errorf("get: status = %d, want 404", status)
	}
}
