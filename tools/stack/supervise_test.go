package stack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/stack"
)

// comeBack bounds how long a crashed server may take to serve again:
// restart backoff, PostgreSQL's crash recovery and FerretDB's start.
const comeBack = 90 * time.Second

// TestInfrastructureIsRestartedOnItsData kills nats-server, the
// PostgreSQL postmaster, FerretDB and the payment provider simulator with
// SIGKILL, one at a time, and expects each back, started by the stack,
// with what was written before.
func TestInfrastructureIsRestartedOnItsData(t *testing.T) {
	ctx := context.Background()
	s := startInfraAndProvider(t)

	t.Run("nats-server", func(t *testing.T) {
		js := jetStream(t, s.NATSURL)
		if _, err := js.AddStream(&nats.StreamConfig{Name: "KEPT", Subjects: []string{"kept.>"}, Storage: nats.FileStorage}); err != nil {
			t.Fatalf("add stream: %v", err)
		}
		if _, err := js.Publish("kept.one", []byte("x")); err != nil {
			t.Fatalf("publish: %v", err)
		}
		pid := s.NATS.Pid()
		if err := s.NATS.Kill(); err != nil {
			t.Fatalf("kill: %v", err)
		}
		testkit.EventuallyErr(t, comeBack, func() error {
			nc, err := nats.Connect(s.NATSURL)
			if err != nil {
				return err
			}
			defer nc.Close()
			js, err := nc.JetStream()
			if err != nil {
				return err
			}
			info, err := js.StreamInfo("KEPT")
			if err == nil && info.State.Msgs != 1 {
				t.Fatalf("stream holds %d messages after the restart, want 1", info.State.Msgs)
			}
			return err
		})
		if s.NATS.Pid() == pid {
			t.Error("nats-server answers from the killed process")
		}
	})

	t.Run("postgres", func(t *testing.T) {
		url := s.AdminURLs["order"]
		execSQL(t, ctx, url, `CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`)
		if err := s.Postgres.Kill(); err != nil {
			t.Fatalf("kill: %v", err)
		}
		testkit.EventuallyErr(t, comeBack, func() error {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			var n int
			if err := conn.QueryRow(ctx, `SELECT n FROM kept`).Scan(&n); err != nil {
				t.Fatalf("read after the restart: %v", err)
			}
			if n != 42 {
				t.Fatalf("read %d after the restart, want 42", n)
			}
			return nil
		})
	})

	t.Run("ferretdb", func(t *testing.T) {
		coll := mongoColl(t, s.MongoURL)
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "kept"}}); err != nil {
			t.Fatalf("insert: %v", err)
		}
		if err := s.Ferret.Kill(); err != nil {
			t.Fatalf("kill: %v", err)
		}
		testkit.EventuallyErr(t, comeBack, func() error {
			qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			n, err := mongoColl(t, s.MongoURL).CountDocuments(qctx, bson.D{{Key: "_id", Value: "kept"}})
			if err == nil && n != 1 {
				t.Fatalf("found %d documents after the restart, want 1", n)
			}
			return err
		})
	})

	t.Run("provider", func(t *testing.T) {
		base := s.URL("provider") + "/v1/authorizations"
		var auth struct{ ID string }
		if status := postJSON(t, base, `{"idempotency_key":"kept","amount_cents":100,"currency":"EUR","card_token":"tok_visa"}`, &auth); status != http.StatusCreated {
			t.Fatalf("authorize: status = %d", status)
		}
		pid := s.Procs["provider"].Pid()
		if err := s.Procs["provider"].Kill(); err != nil {
			t.Fatalf("kill: %v", err)
		}
		testkit.EventuallyErr(t, comeBack, func() error {
			var got struct{ ID, Status string }
			res, err := http.Get(base + "/" + auth.ID)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("get after the restart: status = %d, want 200", res.StatusCode)
			}
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got.Status != "authorized" {
				t.Fatalf("get after the restart: %+v (%v), want authorized", got, err)
			}
			return nil
		})
		if s.Procs["provider"].Pid() == pid {
			t.Error("the provider answers from the killed process")
		}
	})
}

func postJSON(t *testing.T, url, body string, out any) int {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post %s: %v", url, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return res.StatusCode
}

// startInfraAndProvider starts the stack's infrastructure and, of the services,
// only the payment provider simulator, which stands in for an outside
// system and needs none of it.
func startInfraAndProvider(t *testing.T) *stack.Stack {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := stack.Build(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	// an empty DataDir is a temporary directory PostgreSQL's user can reach
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Services: []string{"provider"}, Log: testLog{t},
		Fsync: true, // without synchronous_commit a crash of the server loses the last commits (ADR 12)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(string(b))
	return len(b), nil
}

func jetStream(t *testing.T, url string) nats.JetStreamContext {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("connect nats: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

func execSQL(t *testing.T, ctx context.Context, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mongoColl(t *testing.T, url string) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(url).SetServerSelectionTimeout(2 * time.Second))
	if err != nil {
		t.Fatalf("connect mongo: %v", err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database("kept").Collection("kept")
}
