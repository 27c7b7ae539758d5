package service_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

func TestNotificationsRejectBadPageRequests(t *testing.T) {
	t.Parallel()
	h := start(t)
	tok, err := auth.NewIssuer(auth.Config{Secret: secret}, time.Minute).Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	pagetest.RejectsBadRequests(t, h.base+"/api/v1/notifications", tok, "limit=0", "limit=501", "limit=x", "cursor=%21%21", "cursor=WyJ4Il0")
}
