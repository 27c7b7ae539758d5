package stack

import (
	"slices"
	"strings"
	"testing"
)

// TestServicesGetTheOTelVariables checks that every service is given the
// caller's OTEL_* variables and Options.Env's, but not OTEL_SERVICE_NAME,
// with which each service names itself.
func TestServicesGetTheOTelVariables(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on")
	t.Setenv("OTEL_SERVICE_NAME", "everything")
	s := replicatedStack(t, 0, 1)
	s.opts.Env = map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SERVICE_NAME": "all"}
	for _, replica := range []string{"gateway", "order", "notification"} {
		env, err := s.env(replica)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"OTEL_TRACES_SAMPLER=always_on", "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318"} {
			if !slices.Contains(env, want) {
				t.Errorf("%s: no %s in %v", replica, want, env)
			}
		}
		for _, kv := range env {
			if strings.HasPrefix(kv, "OTEL_SERVICE_NAME=") {
				t.Errorf("%s got %s", replica, kv)
			}
		}
	}
}

// TestTraceEnvEndpoint checks where the services are told to export: to
// Jaeger when tracing is on, to the endpoint ExportTo named instead, and
// nowhere when off.
func TestTraceEnvEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name      string
		exporting bool
		exportTo  string
		want      string
	}{
		{"on", true, "", "http://jaeger:4318"},
		{"to a sink", true, "http://sink:4318", "http://sink:4318"},
		{"off", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Stack{OTLPEndpoint: "http://jaeger:4318", exporting: tc.exporting, exportTo: tc.exportTo}
			if got := s.traceEnv("order")["OTEL_EXPORTER_OTLP_ENDPOINT"]; got != tc.want {
				t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT = %q, want %q", got, tc.want)
			}
		})
	}
}
