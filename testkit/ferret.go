package testkit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Ferret is an embedded FerretDB: a MongoDB wire protocol server storing
// its data in SQLite files.
type Ferret struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartFerret starts FerretDB with its SQLite files in dir (created if
// missing) listening on addr, e.g. "127.0.0.1:27017" or "127.0.0.1:0" for a
// free port. It logs errors to stderr.
func StartFerret(dir, addr string) (*Ferret, error) {
	return startFerret(dir, addr, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// startFerret starts FerretDB logging to log. FerretDB warns about every
// command it does not support (the driver's endSessions among them).
func startFerret(dir, addr string, log *slog.Logger) (*Ferret, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create ferretdb dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdb dir: %w", err)
	}
	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    log,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/", // a directory URI must end with a slash
	})
	if err != nil {
		return nil, fmt.Errorf("start ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Ferret{uri: db.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		_ = db.Run(ctx) // returns nil once ctx is cancelled
	}()
	return f, nil
}

// URL returns the MongoDB connection string, mongodb://<host>:<port>/.
func (f *Ferret) URL() string { return f.uri }

// Stop closes the listener and the storage and waits for both.
func (f *Ferret) Stop() {
	f.cancel()
	<-f.done
}
