package deploycheck_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestK8sTracingIsOptional: in both overlays the gateway and every service
// name themselves to OpenTelemetry and read their OTLP endpoint from the
// ConfigMap tracing, optionally, so that nothing needs a trace store; the
// ConfigMap is rendered and sets no endpoint of its own.
func TestK8sTracingIsOptional(t *testing.T) {
	for _, overlay := range []string{"dev", "prod"} {
		t.Run(overlay, func(t *testing.T) {
			t.Parallel()
			o, err := loadObjects(overlayDir(t, overlay))
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(o.configMaps, func(cm corev1.ConfigMap) bool { return cm.Name == "tracing" })
			if i < 0 {
				t.Fatal("no ConfigMap tracing")
			}
			if len(o.configMaps[i].Data) != 0 {
				t.Errorf("ConfigMap tracing sets %v; the base sets nothing, tracing is off until an overlay turns it on", o.configMaps[i].Data)
			}
			for _, d := range o.deployments {
				if _, ok := modules[d.Name]; !ok || d.Name == "provider" {
					continue
				}
				checkTracingEnv(t, d.Name, d.Spec.Template.Spec.Containers[0])
			}
		})
	}
}

func checkTracingEnv(t *testing.T, name string, c corev1.Container) {
	t.Helper()
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if e := env["OTEL_SERVICE_NAME"]; e.Value != name {
		t.Errorf("Deployment %s: OTEL_SERVICE_NAME=%q, want %q", name, e.Value, name)
	}
	e, ok := env["OTEL_EXPORTER_OTLP_ENDPOINT"]
	var ref *corev1.ConfigMapKeySelector
	if ok && e.ValueFrom != nil {
		ref = e.ValueFrom.ConfigMapKeyRef
	}
	if ref == nil || ref.Name != "tracing" || ref.Key != "otlp-endpoint" || !isTrue(ref.Optional) {
		t.Errorf("Deployment %s: OTEL_EXPORTER_OTLP_ENDPOINT is not the optional key otlp-endpoint of ConfigMap tracing", name)
	}
}
