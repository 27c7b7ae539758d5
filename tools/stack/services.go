package stack

import (
	"fmt"
	"os"
	"runtime"
	"strings"
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

// env returns the environment of service: the same variable names that
// docker-compose.yml sets, so a service cannot tell where it runs.
// Each service runs with GOMAXPROCS=1 unless GOMAXPROCS is set (see
// OneProcEach).
func (s *Stack) env(service string) []string {
	p := strings.ToUpper(service) + "_"
	vars := map[string]string{
		"HTTP_ADDR":    fmt.Sprintf("127.0.0.1:%d", s.ports[service]),
		"NATS_URL":     s.NATSURL,
		"LOG_FORMAT":   s.opts.LogFormat,
		"JWT_SECRET":   s.JWTSecret,
		"JWT_ISSUER":   "eventshop",
		"JWT_AUDIENCE": "eventshop-api",
	}
	switch service {
	case "order":
		vars["DATABASE_URL"] = s.DatabaseURLs[service]
		vars["INVENTORY_URL"] = s.URL("inventory")
	case "inventory":
		vars["DATABASE_URL"] = s.DatabaseURLs[service]
	case "payment":
		vars["DATABASE_URL"] = s.DatabaseURLs[service]
		vars["PROVIDER_URL"] = s.URL("provider")
	case "notification":
		vars["MONGO_URL"] = s.MongoURL
		vars["MONGO_DATABASE"] = "notification"
	case "gateway":
		for _, up := range []string{"order", "inventory", "payment", "notification"} {
			vars[strings.ToUpper(up)+"_URL"] = s.URL(up)
		}
		vars["DEV_ISSUER"] = "true"
	}
	env := baseEnv()
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1") // see OneProcEach
	}
	for k, v := range vars {
		env = append(env, p+k+"="+v)
	}
	for k, v := range s.opts.Env {
		if strings.HasPrefix(k, p) {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// OneProcEach sets GOMAXPROCS to 1 in the calling process, the one that
// hosts the embedded NATS and FerretDB, unless GOMAXPROCS is set; the
// services the stack starts get the same. Seven Go processes share the
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

// URL is the base URL of service's HTTP API on this machine.
func (s *Stack) URL(service string) string {
	return fmt.Sprintf("http://127.0.0.1:%d", s.ports[service])
}
