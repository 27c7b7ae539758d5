package notification_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestRunStartsIndexedAndStops runs the service binary: it becomes ready,
// created its indexes, logged its configuration without the secret and exits
// cleanly on SIGTERM.
func TestRunStartsIndexedAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	mongoURL, db := testkit.Mongo(t), testkit.MongoDatabase(t)
	const secret = "run-test-secret"
	t.Setenv("NOTIFICATION_HTTP_ADDR", addr)
	t.Setenv("NOTIFICATION_MONGO_URL", mongoURL)
	t.Setenv("NOTIFICATION_MONGO_DATABASE", db)
	t.Setenv("NOTIFICATION_NATS_URL", testkit.NATS(t).URL())
	t.Setenv("NOTIFICATION_JWT_SECRET", secret)
	svc := testkit.StartBinary(t, "../../..", "./cmd/notification")
	testkit.Eventually(t, 30*time.Second, func() bool {
		res, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, "never ready")
	if got := indexNames(t, mongoURL, db); !got["customer_created"] || !got["outbox_pending"] || !got["status_next_attempt"] {
		t.Errorf("indexes = %v, want customer_created, status_next_attempt and outbox_pending", got)
	}
	if err := svc.Stop(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if out := svc.Logs(); strings.Contains(out, secret) || !strings.Contains(out, "starting") {
		t.Errorf("logs show the secret or no configuration:\n%s", out)
	}
}

func indexNames(t *testing.T, url, db string) map[string]bool {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	cur, err := client.Database(db).Collection("notifications").Indexes().List(t.Context())
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var specs []bson.M
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range specs {
		name, _ := s["name"].(string)
		names[name] = true
	}
	return names
}
