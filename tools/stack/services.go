package stack

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/pkg/startup"
)

// Service names, in start order: the provider and inventory first, since
// payment and order call them; the gateway last.
var Services = []string{"provider", "inventory", "payment", "order", "notification", "gateway"}

// DatabaseServices are the services that own a PostgreSQL database.
var DatabaseServices = []string{"order", "inventory", "payment"}

// Ports are the fixed HTTP ports that `make run` uses; tests pick free ports.
var Ports = map[string]int{
	"gateway": 8080, "order": 8081, "inventory": 8082, "payment": 8083, "notification": 8084, "provider": 8090,
}

// env returns the environment of replica (a name from Replicas): the same
// variable names that docker-compose.yml sets, so a service cannot tell
// where it runs. Every address a service connects to goes through
// Options.Route when it is set. Each service runs with GOMAXPROCS=1 unless
// GOMAXPROCS is set (see OneProcEach).
func (s *Stack) env(replica string) ([]string, error) {
	service := ServiceOf(replica)
	r := router{stack: s, from: service}
	p := strings.ToUpper(service) + "_"
	vars := map[string]string{
		"HTTP_ADDR":    fmt.Sprintf("127.0.0.1:%d", s.ports[replica]),
		"LOG_FORMAT":   s.opts.LogFormat,
		"JWT_SECRET":   s.JWTSecret,
		"JWT_ISSUER":   "eventshop",
		"JWT_AUDIENCE": "eventshop-api",
	}
	if service != "provider" {
		vars["NATS_URL"] = s.natsURLs(&r)
	}
	if slices.Contains(Replicated, service) {
		vars["STREAM_REPLICAS"] = strconv.Itoa(s.StreamReplicas())
	}
	switch service {
	case "provider":
		// Under DataDir, so that a provider killed and started again (make
		// run's supervisor, the chaos suite) still knows what it authorised.
		vars["DATA_DIR"] = filepath.Join(s.opts.DataDir, "provider")
	case "order":
		// The price lookup takes one address: the first replica's.
		vars["INVENTORY_URL"] = r.url("inventory", s.URL("inventory"))
		if s.JaegerURL != "" {
			// The order's waterfall reads its spans from Jaeger.
			vars["TRACES_QUERY_URL"] = s.JaegerURL
		}
	case "payment":
		vars["PROVIDER_URL"] = r.url("provider", s.URL("provider"))
	case "notification":
		vars["MONGO_URL"] = r.url("ferretdb", s.MongoURL)
		vars["MONGO_DATABASE"] = "notification"
	case "gateway":
		for _, up := range []string{"order", "inventory", "payment", "notification"} {
			vars[strings.ToUpper(up)+"_URL"] = s.replicaURLs(&r, up)
		}
		vars["DEV_ISSUER"] = "true"
	}
	if slices.Contains(DatabaseServices, service) {
		db, err := withApplicationName(s.DatabaseURLs[service], replica)
		if err != nil {
			return nil, err
		}
		vars["DATABASE_URL"] = r.url("postgres", db)
	}
	if r.err != nil {
		return nil, r.err
	}
	// The stack runs on this machine: the binaries may accept a
	// development secret (pkg/startup refuses it anywhere else).
	env := append(procEnv(), startup.EnvVar+"="+startup.Local)
	env = append(env, otelEnv(os.Environ())...)
	for k, v := range vars {
		env = append(env, p+k+"="+v)
	}
	for k, v := range s.traceEnv(replica) {
		if _, set := s.opts.Env[k]; !set {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range s.opts.Env {
		if strings.HasPrefix(k, p) || isOTel(k) {
			env = append(env, k+"="+v)
		}
	}
	return env, nil
}

// otelEnv is the OpenTelemetry variables (OTEL_*) of environ, which every
// service gets, so that `OTEL_EXPORTER_OTLP_ENDPOINT=… make run` traces
// the platform; Options.Env's come after them and win.
func otelEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); isOTel(k) {
			env = append(env, kv)
		}
	}
	return env
}

// isOTel reports whether k is an OpenTelemetry variable a service is
// given. OTEL_SERVICE_NAME is not: each service names itself.
func isOTel(k string) bool {
	return strings.HasPrefix(k, "OTEL_") && k != "OTEL_SERVICE_NAME"
}

// router rewrites the host of the URLs one service connects to through
// Options.Route, keeping the first error.
type router struct {
	stack *Stack
	from  string
	err   error
}

func (r *router) url(to, raw string) string {
	if r.stack.opts.Route == nil || r.err != nil {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		r.err = fmt.Errorf("route %s to %s: %w", r.from, to, err)
		return raw
	}
	if u.Host, err = r.stack.opts.Route(r.from, to, u.Host); err != nil {
		r.err = fmt.Errorf("route %s to %s: %w", r.from, to, err)
	}
	return u.String()
}

// procEnv is the environment of every process the stack starts: a few of
// the caller's variables, and GOMAXPROCS=1 unless it is set (see
// OneProcEach).
func procEnv() []string {
	env := baseEnv()
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1")
	}
	return env
}

// OneProcEach sets GOMAXPROCS to 1 in the calling process unless
// GOMAXPROCS is set; the services, nats-server and FerretDB that the stack
// starts get the same. Nine Go processes share the
// machine's cores with PostgreSQL, and a single P each spares their
// runtimes most thread hand-offs and wake-ups: on two cores, one order at
// a time, that cut the context switches by a third and the saga's median
// latency by about a tenth (docs/benchmarks.md). It is what a container
// limited to one CPU gets by default.
func OneProcEach() {
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
}

// URL is the base URL of service's HTTP API on this machine; given a
// replica's name (Replicas), that replica's.
func (s *Stack) URL(service string) string {
	return fmt.Sprintf("http://127.0.0.1:%d", s.ports[service])
}
