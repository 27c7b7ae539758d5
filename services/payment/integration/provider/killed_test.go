// Package provider_test checks the provider simulator's binary as the
// payment service meets it: a provider killed with SIGKILL and started
// again still knows what it authorised, so a capture after the restart
// succeeds instead of finding no authorisation.
package provider_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/provider/simulator"
	"github.com/eventshop/eventshop/testkit"
)

// TestKilledProviderKeepsItsAuthorisations authorises with the real
// binary, kills it with SIGKILL right after the answer, starts it again on
// the same PROVIDER_DATA_DIR and captures: the authorisation is there, an
// authorise with the same idempotency key replays it, and the capture
// succeeds.
func TestKilledProviderKeepsItsAuthorisations(t *testing.T) {
	addr := testkit.FreeAddr(t)
	t.Setenv("PROVIDER_HTTP_ADDR", addr)
	t.Setenv("PROVIDER_DATA_DIR", t.TempDir())
	base := "http://" + addr + "/v1/authorizations"
	req := simulator.AuthorizeRequest{IdempotencyKey: "authorize:killed", AmountCents: 4200, Currency: "EUR", CardToken: simulator.TokenVisa}

	bin := testkit.BuildBinary(t, "../../../provider", "./cmd/provider")
	first := testkit.StartBuilt(t, bin)
	testkit.WaitReady(t, "http://"+addr, time.Minute)
	var auth simulator.Authorization
	if status := post(t, base, req, &auth); status != http.StatusCreated {
		t.Fatalf("authorise: status = %d", status)
	}
	first.Kill()

	testkit.StartBuilt(t, bin)
	testkit.WaitReady(t, "http://"+addr, time.Minute)
	var got simulator.Authorization
	if status := testkit.GetJSON(t, base+"/"+auth.ID, "", &got); status != http.StatusOK {
		t.Fatalf("get after restart: status = %d, want 200", status)
	}
	if diff := cmp.Diff(auth, got); diff != "" {
		t.Errorf("authorisation after restart (-before +after):\n%s", diff)
	}
	var replayed simulator.Authorization
	if status := post(t, base, req, &replayed); status != http.StatusCreated || replayed.ID != auth.ID {
		t.Errorf("authorise again: status = %d id = %q, want 201 with %q", status, replayed.ID, auth.ID)
	}
	var captured simulator.Authorization
	if status := post(t, base+"/"+auth.ID+"/capture", nil, &captured); status != http.StatusOK {
		t.Fatalf("capture after restart: status = %d, want 200", status)
	}
	if captured.Status != simulator.StatusCaptured || captured.CapturedAmountCents != req.AmountCents {
		t.Errorf("captured = %+v, want captured for %d", captured, req.AmountCents)
	}
}

// post sends body as JSON and decodes a 2xx answer into out.
func post(t *testing.T, url string, body, out any) int {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.Post(url, "application/json", &buf)
	if err != nil {
		t.Fatalf("post %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 == 2 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("decode %s: %v", url, err)
		}
	}
	return res.StatusCode
}
