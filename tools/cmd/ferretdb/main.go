// Command ferretdb serves the MongoDB wire protocol from SQLite files with
// FerretDB v1, as its own process, so that the platform's launcher can
// supervise it and fault tests can kill it without killing anything else.
//
//	ferretdb -listen 127.0.0.1:27017 -dir .data/ferretdb
//
// SIGINT or SIGTERM stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to serve on")
	dir := flag.String("dir", "ferretdb", "directory of the SQLite files (created if missing)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *listen, *dir, log); err != nil {
		log.Error("ferretdb failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, listen, dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    log, // FerretDB warns about every command it does not support
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/", // a directory URI must end with a slash
	})
	if err != nil {
		return fmt.Errorf("start ferretdb: %w", err)
	}
	fmt.Fprintf(os.Stderr, "serving %s from %s\n", db.MongoDBURI(), abs)
	return db.Run(ctx) // nil once ctx is cancelled
}
