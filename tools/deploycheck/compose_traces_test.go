package deploycheck_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// otelVars are the standard OpenTelemetry variables compose gives the
// gateway and the services (pkg/tracing reads them, without a prefix).
var otelVars = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"}

// isOTelVar reports whether key is one of the standard OTEL_* variables,
// which the OpenTelemetry set-up reads rather than the service's config.
func isOTelVar(key string) bool { return strings.HasPrefix(key, "OTEL_") }

// jaegerImage is the official Jaeger v2 image matching the Go module
// tools/jaeger pins (v1.75.0 is v2.12.0).
const jaegerImage = "jaegertracing/jaeger:2.12.0"

// TestServicesExportTracesToJaeger: compose runs the Jaeger version `make
// run TRACES=1` builds, with the same configuration file, and the gateway
// and every service export OTLP/HTTP to it under their own names.
func TestServicesExportTracesToJaeger(t *testing.T) {
	p := loadProject(t)
	jaeger, ok := p.Services["jaeger"]
	if !ok {
		t.Fatal("compose has no service jaeger")
	}
	if jaeger.Image != jaegerImage {
		t.Errorf("jaeger image is %q, want %q", jaeger.Image, jaegerImage)
	}
	if !mounts(jaeger.Volumes, "tools/jaeger/config.yaml") {
		t.Errorf("jaeger does not mount tools/jaeger/config.yaml, the configuration make run uses")
	}
	for name := range modules {
		if name == "provider" {
			continue // it stands for an outside payment provider
		}
		env := p.Services[name].Environment
		for _, key := range otelVars {
			if env[key] == nil {
				t.Errorf("%s does not set %s", name, key)
			}
		}
		if v := env["OTEL_SERVICE_NAME"]; v != nil && *v != name {
			t.Errorf("%s: OTEL_SERVICE_NAME=%s, want %s", name, *v, name)
		}
		if v := env["OTEL_EXPORTER_OTLP_ENDPOINT"]; v != nil {
			if u, err := url.Parse(*v); err != nil || u.Hostname() != "jaeger" || u.Port() != "4318" {
				t.Errorf("%s: OTEL_EXPORTER_OTLP_ENDPOINT=%s, want Jaeger's OTLP/HTTP receiver http://jaeger:4318", name, *v)
			}
		}
		if _, waits := p.Services[name].DependsOn["jaeger"]; waits {
			t.Errorf("%s depends on jaeger: the shop must run without its trace viewer", name)
		}
	}
}

func mounts(volumes []types.ServiceVolumeConfig, file string) bool {
	for _, v := range volumes {
		if strings.HasSuffix(v.Source, file) {
			return true
		}
	}
	return false
}
