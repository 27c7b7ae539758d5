package startup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/logging"
	"github.com/eventshop/eventshop/pkg/tracing"
)

// MigrateArg is the first argument that makes a binary apply its migrations
// and exit: Kubernetes runs it as an init container before the service.
const MigrateArg = "migrate"

// Binary is one eventshop binary: its name, how it reads its configuration
// C, and what it does with it. Main runs it.
type Binary[C any] struct {
	// Name is the service's name: the logger's service attribute.
	Name string
	// Prefix starts the service's variables ("ORDER_"); the log format is
	// read from <Prefix>LOG_FORMAT before the rest of the configuration.
	Prefix string
	// Load reads the configuration from the environment.
	Load func() (C, error)
	// Auth is the token verification the configuration holds, checked
	// against the development secret.
	Auth func(C) auth.Config
	// Migrate applies the migrations, waiting for the database as long as
	// ctx allows; nil means the binary has none to apply.
	Migrate func(ctx context.Context, cfg C, log *slog.Logger) error
	// Run serves until ctx is done.
	Run func(ctx context.Context, cfg C, log *slog.Logger) error
}

// Main runs b with the process's arguments until SIGINT or SIGTERM, and
// exits with 0 on success and 1 on failure.
func Main[C any](b Binary[C]) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := logging.New(b.Name, os.Getenv(b.Prefix+"LOG_FORMAT"))
	code := b.Start(ctx, os.Args[1:], log)
	stop()
	os.Exit(code)
}

// Start is Main without the process: it runs b with args on ctx, logging to
// log, and returns the exit status. Every failure is logged in one line.
func (b Binary[C]) Start(ctx context.Context, args []string, log *slog.Logger) int {
	if err := b.start(ctx, args, log); err != nil {
		if errors.Is(err, ErrDevelopmentSecret) {
			log.Error(err.Error())
		} else {
			log.Error(b.Name+" stopped", slog.Any("error", err))
		}
		return 1
	}
	return 0
}

func (b Binary[C]) start(ctx context.Context, args []string, log *slog.Logger) error {
	cfg, err := b.Load()
	if err != nil {
		return err
	}
	if err := checkSecret(b.Auth(cfg).Secret, b.Prefix+"JWT_SECRET"); err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		log.Info("starting", slog.Any("config", config.LogValue(cfg)), slog.Bool("tracing", tracing.Enabled()))
		shutdown, err := tracing.Setup(ctx, b.Name)
		if err != nil {
			return fmt.Errorf("set up tracing: %w", err)
		}
		defer flush(shutdown, log)
		return b.Run(ctx, cfg, log)
	case args[0] == MigrateArg && len(args) == 1:
		return b.migrate(ctx, cfg, log)
	}
	return fmt.Errorf("unknown arguments %q: the only one is %q", args, MigrateArg)
}

// flushTimeout bounds how long a stopping binary sends its last spans.
const flushTimeout = 5 * time.Second

// flush exports the spans still buffered, after Run returned.
func flush(shutdown tracing.Shutdown, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		log.Warn("flush spans", slog.Any("error", err))
	}
}

func (b Binary[C]) migrate(ctx context.Context, cfg C, log *slog.Logger) error {
	if b.Migrate == nil {
		log.Info("nothing to migrate")
		return nil
	}
	log.Info("migrating")
	if err := b.Migrate(ctx, cfg, log); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.Info("migrated")
	return nil
}
