package notification_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/testkit"
)

// TestMigrateCreatesTheIndexesAndExits runs `notification migrate`, as a
// Kubernetes init container does: it must create the collection's indexes
// and exit 0 without serving.
func TestMigrateCreatesTheIndexesAndExits(t *testing.T) {
	mongoURL, db := testkit.Mongo(t), testkit.MongoDatabase(t)
	bin := testkit.BuildBinary(t, "../../..", "./cmd/notification")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = append(os.Environ(), "NOTIFICATION_MONGO_URL="+mongoURL, "NOTIFICATION_MONGO_DATABASE="+db,
		"NOTIFICATION_JWT_SECRET=migrate-test-secret")
	out, err := cmd.CombinedOutput()
	if err != nil || ctx.Err() != nil {
		t.Fatalf("notification migrate: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "migrated") {
		t.Errorf("notification migrate logged no end of migration:\n%s", out)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURL))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(t.Context())) }()
	specs, err := client.Database(db).Collection("notifications").Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range specs {
		names[s.Name] = true
	}
	for _, want := range []string{"customer_created", "status_next_attempt", "outbox_pending"} {
		if !names[want] {
			t.Errorf("index %s missing after migrate; have %v", want, names)
		}
	}
}
