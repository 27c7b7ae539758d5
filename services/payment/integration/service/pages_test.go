package service_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

func TestAdminPaymentsRejectsBadPageRequests(t *testing.T) {
	t.Parallel()
	h := start(t)
	tok, err := auth.NewIssuer(auth.Config{Secret: secret}, time.Minute).Token("admin")
	if err != nil {
		t.Fatal(err)
	}
	pagetest.RejectsBadRequests(t, h.base+"/api/v1/admin/payments", tok, "limit=0", "limit=1000", "limit=x", "cursor=%21%21", "cursor=WyJ4Il0")
}
