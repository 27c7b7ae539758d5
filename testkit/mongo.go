package testkit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// mongoServer is the per-process MongoDB: the embedded FerretDB, or the
// server MONGO_URL names.
type mongoServer struct {
	url    string
	client *mongo.Client // drops the tests' databases
	ferret *Ferret       // nil when MONGO_URL is used
	dir    string
}

var (
	mongoOnce   sync.Once
	mongoShared *mongoServer
	mongoErr    error
)

// Mongo returns the URL of the per-process MongoDB: an embedded FerretDB
// started on first use, or the server MONGO_URL names when it is set. Tests
// share it, so each should use its own database from MongoDatabase. Call
// Main from TestMain so FerretDB is stopped after the tests.
func Mongo(t testing.TB) string {
	t.Helper()
	return sharedMongo(t).url
}

// MongoDatabase returns a database name no other test uses; the database is
// dropped when the test ends.
func MongoDatabase(t testing.TB) string {
	t.Helper()
	s := sharedMongo(t)
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.client.Database(name).Drop(ctx); err != nil {
			t.Errorf("testkit: drop mongo database %s: %v", name, err)
		}
	})
	return name
}

func sharedMongo(t testing.TB) *mongoServer {
	t.Helper()
	mongoOnce.Do(func() { mongoShared, mongoErr = startSharedMongo() })
	if mongoErr != nil {
		t.Fatalf("testkit: mongo: %v", mongoErr)
	}
	return mongoShared
}

func startSharedMongo() (*mongoServer, error) {
	s := &mongoServer{url: os.Getenv("MONGO_URL")}
	if s.url == "" {
		removeStale(ferretTempPrefix)
		dir, err := tempDir(ferretTempPrefix)
		if err != nil {
			return nil, fmt.Errorf("create ferretdb dir: %w", err)
		}
		if s.ferret, err = startFerret(dir, "127.0.0.1:0", slog.New(slog.DiscardHandler)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		s.url, s.dir = s.ferret.URL(), dir
	}
	client, err := mongo.Connect(options.Client().ApplyURI(s.url))
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("connect %s: %w", s.url, err)
	}
	s.client = client
	return s, nil
}

// stop disconnects and stops FerretDB, removing its files.
func (s *mongoServer) stop() {
	if s.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.client.Disconnect(ctx)
	}
	if s.ferret != nil {
		s.ferret.Stop()
		_ = os.RemoveAll(s.dir)
	}
}

func stopSharedMongo() {
	if mongoShared != nil {
		mongoShared.stop()
	}
}
