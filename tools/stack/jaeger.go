package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// JaegerBinary is the name of the Jaeger binary BuildJaeger makes.
const JaegerBinary = "jaeger"

// JaegerModule is the directory, relative to the repository root, of the
// module that pins Jaeger as a Go tool. It is a module of its own, outside
// go.work: Jaeger's dependencies pin OpenTelemetry collector versions that
// would otherwise decide the services' OpenTelemetry versions.
const JaegerModule = "tools/jaeger"

// JaegerConfig is Jaeger's configuration file, relative to the repository
// root: in-memory storage, OTLP/HTTP in, the query API and UI out, each
// address read from the environment (see the file). docker-compose.yml
// mounts the same file.
const JaegerConfig = JaegerModule + "/config.yaml"

// Jaeger's fixed ports under FixedPorts: its usual OTLP/HTTP and query ports.
const (
	jaegerOTLPPort      = 4318
	jaegerQueryPort     = 16686
	jaegerQueryGRPCPort = 16685
)

// BuildJaeger compiles Jaeger v2 (all-in-one) from JaegerModule into
// binDir. The go build cache makes every build after the first a link.
func BuildJaeger(ctx context.Context, root, binDir string) error {
	abs, err := filepath.Abs(filepath.Join(binDir, JaegerBinary))
	if err != nil {
		return fmt.Errorf("bin dir: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "-C", JaegerModule, "build", "-o", abs,
		"github.com/jaegertracing/jaeger/cmd/jaeger")
	cmd.Dir = root
	// Outside the workspace: the module is deliberately not in go.work.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build jaeger: %w\n%s", err, out)
	}
	return nil
}

// startJaeger runs Jaeger with in-memory storage from BinDir and waits
// until its query API answers. Its traces are lost when it restarts.
func (s *Stack) startJaeger(ctx context.Context) error {
	root, err := Root()
	if err != nil {
		return fmt.Errorf("jaeger config: %w", err)
	}
	ports := map[string]int{}
	for name, want := range map[string]int{"otlp": jaegerOTLPPort, "query": jaegerQueryPort, "grpc": jaegerQueryGRPCPort} {
		if ports[name], err = s.port(want); err != nil {
			return err
		}
	}
	s.Jaeger = s.infraProcess(JaegerBinary, 96, "--config", "file:"+filepath.Join(root, JaegerConfig))
	s.Jaeger.Env = append(s.Jaeger.Env,
		"JAEGER_OTLP_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(ports["otlp"]),
		"JAEGER_QUERY_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(ports["query"]),
		"JAEGER_QUERY_GRPC_ADDR=127.0.0.1:"+strconv.Itoa(ports["grpc"]))
	// A jaeger-ui build to serve, since the module's binary embeds none.
	if assets, ok := os.LookupEnv("JAEGER_UI_ASSETS"); ok {
		s.Jaeger.Env = append(s.Jaeger.Env, "JAEGER_UI_ASSETS="+assets)
	}
	if err := s.Jaeger.Start(); err != nil {
		return err
	}
	s.JaegerURL = fmt.Sprintf("http://127.0.0.1:%d", ports["query"])
	s.OTLPEndpoint = fmt.Sprintf("http://127.0.0.1:%d", ports["otlp"])
	if err := waitJaeger(ctx, s.JaegerURL); err != nil {
		return fmt.Errorf("jaeger: %w", err)
	}
	return nil
}

// waitJaeger polls until Jaeger's query API lists its services.
func waitJaeger(ctx context.Context, queryURL string) error {
	client := &http.Client{Timeout: time.Second}
	return poll(ctx, infraReadyTimeout, func() error {
		resp, err := client.Get(queryURL + "/api/services")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// traceEnv is the OpenTelemetry configuration of replica when the stack
// runs Jaeger: the standard variables that pkg/tracing reads, exporting to
// Jaeger's OTLP/HTTP receiver under the service's name, each replica
// told apart by service.instance.id. Options.Env may add or override any
// OTEL_* variable (OTEL_TRACES_SAMPLER, for one).
func (s *Stack) traceEnv(replica string) map[string]string {
	endpoint := s.OTLPEndpoint
	if s.exportTo != "" {
		endpoint = s.exportTo
	}
	if endpoint == "" || !s.exporting {
		return nil
	}
	return map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
		"OTEL_SERVICE_NAME":           ServiceOf(replica),
		"OTEL_RESOURCE_ATTRIBUTES":    "service.instance.id=" + replica,
	}
}

// SetTracing restarts every service of the stack, each exporting its
// traces to Jaeger when on and exporting nothing when off, and waits until
// all are ready again. Jaeger must run (Options.Traces). Comparing the two
// on one platform measures what tracing costs.
func (s *Stack) SetTracing(ctx context.Context, on bool) error {
	if s.Jaeger == nil {
		return fmt.Errorf("set tracing: the stack runs no Jaeger (Options.Traces)")
	}
	s.exporting, s.exportTo = on, ""
	return s.restart(ctx)
}

// ExportTo restarts every service of the stack, each exporting its traces
// to the OTLP/HTTP endpoint given instead of Jaeger, and waits until all
// are ready again. A benchmark points the services at a receiver that
// discards what it gets, to tell the cost of tracing in the services from
// the cost of a collector on the same machine.
func (s *Stack) ExportTo(ctx context.Context, endpoint string) error {
	s.exporting, s.exportTo = endpoint != "", endpoint
	return s.restart(ctx)
}

// restart stops every service and starts it again with its environment of
// now (traceEnv), waiting until all are ready.
func (s *Stack) restart(ctx context.Context) error {
	names := s.processes()
	for i := len(names) - 1; i >= 0; i-- {
		s.Procs[names[i]].Stop(ctx, 15*time.Second)
	}
	for _, name := range names {
		env, err := s.env(name)
		if err != nil {
			return err
		}
		p := s.Procs[name]
		p.Env = env
		if err := p.Start(); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := waitReady(ctx, s.URL(name)+"/readyz", 60*time.Second); err != nil {
			return fmt.Errorf("%s not ready: %w", name, err)
		}
	}
	return nil
}
