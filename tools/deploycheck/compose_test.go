package deploycheck_test

import (
	"context"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/eventshop/eventshop/pkg/startup"
)

// modules maps each built compose service to the Go module that holds it and
// the prefix of its environment variables.
var modules = map[string]struct{ dir, prefix string }{
	"order":        {"services/order", "ORDER_"},
	"inventory":    {"services/inventory", "INVENTORY_"},
	"payment":      {"services/payment", "PAYMENT_"},
	"notification": {"services/notification", "NOTIFICATION_"},
	"provider":     {"services/provider", "PROVIDER_"},
	"gateway":      {"gateway", "GATEWAY_"},
}

// machineVars are the variables every binary of the platform reads without
// its service prefix (pkg/startup), since they describe the machine.
var machineVars = []string{startup.EnvVar}

// optional are variables a service may leave unset even without a default.
var optional = []string{"JWKS_URL", "WEBHOOK_URL", "TRACES_QUERY_URL", "TRUSTED_PROXIES", "CORS_ORIGINS", "TLS_CERT_FILE", "TLS_KEY_FILE"}

func loadProject(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: map[string]string{},
	}, func(o *loader.Options) { o.SetProjectName("eventshop", true) })
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func TestEveryServiceHasAHealthCheck(t *testing.T) {
	for name, svc := range loadProject(t).Services {
		hc := svc.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
	}
}

// loopbackOnly are the operator's tools: they may publish a port, on the
// host's loopback interface only (see docker-compose.yml).
var loopbackOnly = []string{"grafana", "jaeger", "prometheus"}

func TestOnlyTheGatewayPublishesPorts(t *testing.T) {
	p := loadProject(t)
	for name, svc := range p.Services {
		if name == "gateway" {
			continue
		}
		for _, port := range svc.Ports {
			if !slices.Contains(loopbackOnly, name) {
				t.Errorf("service %s publishes port %s; only the gateway may", name, port.Published)
			} else if port.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes port %s on %q; it may publish on 127.0.0.1 only", name, port.Published, port.HostIP)
			}
		}
	}
	if len(p.Services["gateway"].Ports) == 0 {
		t.Error("the gateway publishes no port")
	}
	for _, name := range loopbackOnly {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("compose has no service %s", name)
		}
	}
}

func TestDependenciesWaitUntilHealthy(t *testing.T) {
	for name, svc := range loadProject(t).Services {
		for dep, cond := range svc.DependsOn {
			if cond.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s depends on %s with condition %q, want service_healthy", name, dep, cond.Condition)
			}
		}
	}
}

func TestEachServiceUsesItsOwnDatabaseServer(t *testing.T) {
	p := loadProject(t)
	want := map[string]string{
		"ORDER_DATABASE_URL": "order-db", "INVENTORY_DATABASE_URL": "inventory-db",
		"PAYMENT_DATABASE_URL": "payment-db", "NOTIFICATION_MONGO_URL": "notification-db",
	}
	for name, svc := range p.Services {
		for key, val := range svc.Environment {
			host, ok := want[key]
			if !ok || val == nil {
				continue
			}
			u, err := url.Parse(*val)
			if err != nil {
				t.Fatalf("%s %s: %v", name, key, err)
			}
			if u.Hostname() != host {
				t.Errorf("%s: %s points to %q, want its own server %q", name, key, u.Hostname(), host)
			}
		}
	}
	for key := range want {
		if !setAnywhere(p, key) {
			t.Errorf("%s is set by no service", key)
		}
	}
}

func setAnywhere(p *types.Project, key string) bool {
	for _, svc := range p.Services {
		if _, ok := svc.Environment[key]; ok {
			return true
		}
	}
	return false
}

var pinned = regexp.MustCompile(`:v?[0-9]+\.[0-9]+(\.[0-9]+)?(-[a-z0-9.]+)?$|@sha256:[0-9a-f]{64}$`)

func TestImagesArePinned(t *testing.T) {
	for name, svc := range loadProject(t).Services {
		if svc.Build != nil {
			continue
		}
		if !pinned.MatchString(svc.Image) {
			t.Errorf("service %s uses image %q: pin a version", name, svc.Image)
		}
	}
}

func TestEveryVariableAServiceReadsIsSet(t *testing.T) {
	p := loadProject(t)
	root := repoRoot(t)
	for name, m := range modules {
		svc, ok := p.Services[name]
		if !ok {
			t.Errorf("compose has no service %s", name)
			continue
		}
		vars := readVars(t, root, filepath.Join(root, m.dir))
		if len(vars) == 0 {
			t.Errorf("%s: found no configuration variables in %s", name, m.dir)
		}
		for v, hasDefault := range vars {
			_, set := svc.Environment[m.prefix+v]
			if !set && !hasDefault && !slices.Contains(optional, v) {
				t.Errorf("%s reads %s%s, which has no default and is not set", name, m.prefix, v)
			}
		}
		for key := range svc.Environment {
			if slices.Contains(machineVars, key) && name != "provider" {
				continue
			}
			if isOTelVar(key) && name != "provider" {
				continue
			}
			if _, ok := vars[strings.TrimPrefix(key, m.prefix)]; !ok || !strings.HasPrefix(key, m.prefix) {
				t.Errorf("%s sets %s, which the service does not read", name, key)
			}
		}
	}
}

// TestEveryContainerRestarts checks that no crash is permanent: a container
// that dies is started again, as `make run` starts again a process that dies.
func TestEveryContainerRestarts(t *testing.T) {
	for name, svc := range loadProject(t).Services {
		switch svc.Restart {
		case types.RestartPolicyAlways, types.RestartPolicyUnlessStopped:
		default:
			t.Errorf("service %s has restart policy %q, want %q or %q", name, svc.Restart,
				types.RestartPolicyUnlessStopped, types.RestartPolicyAlways)
		}
	}
}

// TestComposeRunsLocally checks that every binary compose starts with the
// published development secret is told it runs on a developer's machine:
// without that, the binary refuses the secret and the stack never starts.
func TestComposeRunsLocally(t *testing.T) {
	for name, svc := range loadProject(t).Services {
		m, ok := modules[name]
		if !ok || name == "provider" {
			continue
		}
		secret := svc.Environment[m.prefix+"JWT_SECRET"]
		if secret == nil || *secret != startup.DevelopmentSecret {
			continue
		}
		if env := svc.Environment[startup.EnvVar]; env == nil || *env != startup.Local {
			t.Errorf("%s uses the development JWT secret without %s=%s", name, startup.EnvVar, startup.Local)
		}
	}
}
