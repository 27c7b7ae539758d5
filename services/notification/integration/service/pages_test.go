package service_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/problem"
)

func TestNotificationsRejectBadPageRequests(t *testing.T) {
	t.Parallel()
	h := start(t)
	tok, err := auth.NewIssuer(auth.Config{Secret: secret}, time.Minute).Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"limit=0", "limit=501", "limit=x", "cursor=%21%21", "cursor=WyJ4Il0"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, h.base+"/api/v1/notifications?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != problem.ContentType {
			t.Errorf("?%s: status %d, content type %q; want a 400 problem", query, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
