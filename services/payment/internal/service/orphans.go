package service

import (
	"context"
	"log/slog"
	"time"
)

// sweepBatch is the most held authorisations one sweep voids.
const sweepBatch = 100

// sweepOrphans voids, every OrphanSweep until ctx is done, the
// authorisations tombstones still hold because their first void failed.
func (s *Service) sweepOrphans(ctx context.Context) {
	interval := s.cfg.OrphanSweep
	if interval <= 0 {
		interval = 30 * time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := s.saga.App.Commands.VoidOrphans.Handle(ctx, sweepBatch)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "void held authorisations", slog.Int("voided", n), slog.Any("error", err))
			continue
		}
		if n > 0 {
			s.log.InfoContext(ctx, "voided held authorisations", slog.Int("voided", n))
		}
	}
}
