package main

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveProfiles serves the runtime profiles on addr, apart from the public
// listener so they are never reachable through it, and returns its stop.
func serveProfiles(log *slog.Logger, addr string) func() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server stopped", "addr", addr, "error", err)
		}
	}()
	log.Info("serving profiles", "addr", addr)
	return func() { _ = srv.Close() }
}
