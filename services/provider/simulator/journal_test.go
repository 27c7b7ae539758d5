package simulator_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/provider/simulator"
)

// open starts a simulator on dir and returns it with its base URL and a stop
// function that closes the server and the journal, as a restart would.
func open(t *testing.T, dir string, log *slog.Logger) (*simulator.Simulator, string, func()) {
	t.Helper()
	sim, err := simulator.New(simulator.Config{DataDir: dir, Logger: log})
	if err != nil {
		t.Fatalf("new simulator on %s: %v", dir, err)
	}
	srv := httptest.NewServer(sim)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		if err := sim.Close(); err != nil {
			t.Errorf("close simulator: %v", err)
		}
	}
	t.Cleanup(stop)
	return sim, srv.URL, stop
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, url, stop := open(t, dir, nil)
	auths := url + "/v1/authorizations"
	_, captured, _ := call(t, t.Context(), http.MethodPost, auths, authReq("captured", simulator.TokenVisa))
	_, voided, _ := call(t, t.Context(), http.MethodPost, auths, authReq("voided", simulator.TokenVisa))
	_, held, _ := call(t, t.Context(), http.MethodPost, auths, authReq("held", simulator.TokenVisa))
	call(t, t.Context(), http.MethodPost, auths, authReq("declined", simulator.TokenDecline))
	_, captured, _ = call(t, t.Context(), http.MethodPost, auths+"/"+captured["id"].(string)+"/capture", nil)
	_, voided, _ = call(t, t.Context(), http.MethodPost, auths+"/"+voided["id"].(string)+"/void", nil)
	before := first.Authorizations()
	stop()

	second, url, _ := open(t, dir, nil)
	auths = url + "/v1/authorizations"
	if diff := cmp.Diff(before, second.Authorizations()); diff != "" {
		t.Errorf("authorizations after restart (-before +after):\n%s", diff)
	}
	tests := []struct {
		name, method, path string
		body               any
		wantStatus         int
		want               map[string]any
		wantReplayed       bool
	}{
		{"get captured", http.MethodGet, "/" + captured["id"].(string), nil, http.StatusOK, captured, false},
		{"get voided", http.MethodGet, "/" + voided["id"].(string), nil, http.StatusOK, voided, false},
		{"get held", http.MethodGet, "/" + held["id"].(string), nil, http.StatusOK, held, false},
		{"capture again", http.MethodPost, "/" + captured["id"].(string) + "/capture", nil, http.StatusOK, captured, false},
		{"void again", http.MethodPost, "/" + voided["id"].(string) + "/void", nil, http.StatusOK, voided, false},
		{"capture voided", http.MethodPost, "/" + voided["id"].(string) + "/capture", nil, http.StatusConflict, nil, false},
		{"authorize again", http.MethodPost, "", authReq("held", simulator.TokenVisa), http.StatusCreated, held, true},
		{"authorize captured again", http.MethodPost, "", authReq("captured", simulator.TokenVisa), http.StatusCreated, captured, true},
		{"decline again", http.MethodPost, "", authReq("declined", simulator.TokenDecline), http.StatusPaymentRequired,
			map[string]any{"status": "declined", "reason": "card_declined"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, header := call(t, t.Context(), tt.method, auths+tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%v)", status, tt.wantStatus, got)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("answer (-before restart +after):\n%s", diff)
				}
			}
			if replayed := header.Get("Idempotent-Replayed") == "true"; replayed != tt.wantReplayed {
				t.Errorf("replayed = %v, want %v", replayed, tt.wantReplayed)
			}
		})
	}
	if got := len(second.Authorizations()); got != 3 {
		t.Errorf("authorizations = %d, want 3: a replayed key must not authorize again", got)
	}
}

func TestTruncatedLastLineIsIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, url, stop := open(t, dir, nil)
	call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("kept", simulator.TokenVisa))
	before := first.Authorizations()
	stop()
	// Longer than any line written later, so a tail left in place would show.
	appendTo(t, filepath.Join(dir, "journal.jsonl"), `{"request":{"idempotency_key":"`+strings.Repeat("x", 2000))

	var logs bytes.Buffer
	second, url, stop := open(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if diff := cmp.Diff(before, second.Authorizations()); diff != "" {
		t.Errorf("authorizations (-before +after):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "truncated last journal line") {
		t.Errorf("no log line about the truncated line; logs:\n%s", logs.String())
	}
	if status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("after", simulator.TokenVisa)); status != http.StatusCreated {
		t.Fatalf("authorize after replay: status = %d", status)
	}
	want := second.Authorizations()
	stop()

	// The cut-off tail must be gone, or the line written after it would be
	// garbled, lost or followed by garbage at this third start.
	logs.Reset()
	third, _, _ := open(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if diff := cmp.Diff(want, third.Authorizations()); diff != "" {
		t.Errorf("authorizations after a second restart (-want +got):\n%s", diff)
	}
	if strings.Contains(logs.String(), "truncated") {
		t.Errorf("the journal still ends in a cut-off line; logs:\n%s", logs.String())
	}
}

func TestCorruptLineInTheMiddleIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, url, stop := open(t, dir, nil)
	call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("a", simulator.TokenVisa))
	stop()
	path := filepath.Join(dir, "journal.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good, _, _ := strings.Cut(string(data), "\n")
	appendTo(t, path, "not json\n"+good+"\n")
	_, err = simulator.New(simulator.Config{DataDir: dir})
	if err == nil {
		t.Fatal("New on a journal with a corrupt middle line succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want it to name line 2", err)
	}
}

func TestNoDataDirKeepsMemoryOnly(t *testing.T) {
	t.Parallel()
	sim, err := simulator.New(simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Close(); err != nil {
		t.Errorf("Close without a data dir = %v, want nil", err)
	}
}

func TestUnusableDataDirIsAnError(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := simulator.New(simulator.Config{DataDir: file})
	if err == nil || errors.Is(err, simulator.ErrFaults) {
		t.Fatalf("New on a file as data dir = %v, want an error", err)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
