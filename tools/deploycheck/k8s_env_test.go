package deploycheck_test

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// authKeys are the variables that hold the token verification key: a
// service that verifies tokens needs one of them, not both.
var authKeys = []string{"JWT_SECRET", "JWKS_URL"}

// sensitive names the variables whose value must come from a Secret.
var sensitive = regexp.MustCompile(`(PASSWORD|SECRET|DATABASE_URL|MONGO_URL|WEBHOOK_URL)$`)

// checkEnv: each of the project's containers sets only variables its
// configuration reads (found by readVars, as for docker-compose.yml), sets
// every one that has no default, and names the ports its peers' Services
// expose. Init containers need no token key.
func checkEnv(t *testing.T, o *objects) []string {
	root := repoRoot(t)
	vars := map[string]map[string]bool{}
	var out []string
	for _, w := range o.workloads() {
		for i, c := range allContainers(w.spec) {
			svc := ownImage(c.Image)
			if svc == "" {
				continue
			}
			if vars[svc] == nil {
				vars[svc] = readVars(t, root, filepath.Join(root, modules[svc].dir))
			}
			where := fmt.Sprintf("%s %s: container %s", w.kind, w.name, c.Name)
			isInit := i < len(w.spec.InitContainers)
			for _, p := range envProblems(c, modules[svc].prefix, vars[svc], isInit) {
				out = append(out, where+": "+p)
			}
			for _, p := range peerPorts(c, o.services) {
				out = append(out, where+": "+p)
			}
		}
	}
	return out
}

func envProblems(c corev1.Container, prefix string, vars map[string]bool, isInit bool) []string {
	var out []string
	if len(c.EnvFrom) > 0 {
		out = append(out, "envFrom hides which variables are set: use env")
	}
	set := map[string]bool{}
	for _, e := range c.Env {
		if isOTelVar(e.Name) {
			continue // the standard OpenTelemetry variables, read without the prefix
		}
		v, ok := strings.CutPrefix(e.Name, prefix)
		if _, read := vars[v]; !ok || !read {
			out = append(out, fmt.Sprintf("sets %s, which the service does not read", e.Name))
		}
		set[v] = true
	}
	for v, hasDefault := range vars {
		if set[v] || hasDefault || slices.Contains(optional, v) || slices.Contains(authKeys, v) {
			continue
		}
		out = append(out, fmt.Sprintf("does not set %s%s, which has no default", prefix, v))
	}
	_, verifies := vars["JWT_SECRET"]
	if verifies && !isInit && !set["JWT_SECRET"] && !set["JWKS_URL"] {
		out = append(out, fmt.Sprintf("sets neither %sJWT_SECRET nor %sJWKS_URL: it cannot verify tokens", prefix, prefix))
	}
	return out
}

// peerPorts checks that each URL a container is given for a Service of the
// same kustomization uses a port that Service exposes.
func peerPorts(c corev1.Container, services []corev1.Service) []string {
	var out []string
	for _, e := range c.Env {
		for _, raw := range strings.Split(e.Value, ",") {
			u, err := url.Parse(raw)
			if err != nil || u.Host == "" {
				continue
			}
			i := slices.IndexFunc(services, func(s corev1.Service) bool { return s.Name == u.Hostname() })
			if i < 0 {
				continue
			}
			if !slices.ContainsFunc(services[i].Spec.Ports, func(p corev1.ServicePort) bool { return fmt.Sprint(p.Port) == u.Port() }) {
				out = append(out, fmt.Sprintf("%s=%s: Service %s has no port %s", e.Name, e.Value, u.Hostname(), u.Port()))
			}
		}
	}
	return out
}

// checkMigrations: each service with a database migrates it in an init
// container that runs the service's own image with the migrate argument.
func checkMigrations(_ *testing.T, o *objects) []string {
	var out []string
	for _, d := range o.deployments {
		if !slices.Contains([]string{"order", "inventory", "payment", "notification"}, d.Name) {
			continue
		}
		spec := d.Spec.Template.Spec
		if !slices.ContainsFunc(spec.InitContainers, func(c corev1.Container) bool {
			return len(spec.Containers) > 0 && c.Image == spec.Containers[0].Image && slices.Equal(c.Args, []string{"migrate"})
		}) {
			out = append(out, "Deployment "+d.Name+": no init container runs its image with args [migrate]")
		}
	}
	return out
}

// prodSecrets are the Secrets prod expects to exist (deploy/k8s/README.md),
// besides the <cluster>-app Secrets CloudNativePG creates.
var prodSecrets = []string{"eventshop-auth", "notification-db", "payment-provider"}

// checkSecrets: sensitive values come from Secrets; in dev every required
// reference resolves to a rendered Secret and key; prod renders no Secret
// and refers only to the ones it documents.
func checkSecrets(overlay string) func(*testing.T, *objects) []string {
	return func(_ *testing.T, o *objects) []string {
		var out []string
		if overlay == "prod" {
			for _, s := range o.secrets {
				out = append(out, "prod renders Secret "+s.Name+": prod's Secrets must be created outside the repository")
			}
		}
		known := slices.Clone(prodSecrets)
		for _, c := range o.clusters {
			known = append(known, c.Name+"-app")
		}
		for _, w := range o.workloads() {
			for _, c := range allContainers(w.spec) {
				for _, e := range c.Env {
					where := fmt.Sprintf("%s %s: %s", w.kind, w.name, e.Name)
					ref := secretRef(e)
					switch {
					case ref == nil && sensitive.MatchString(e.Name):
						out = append(out, where+": must come from a Secret")
					case ref == nil:
					case overlay == "prod" && !slices.Contains(known, ref.Name):
						out = append(out, fmt.Sprintf("%s: Secret %s is not one prod documents", where, ref.Name))
					case overlay != "prod" && !isTrue(ref.Optional) && !hasKey(o.secrets, ref.Name, ref.Key):
						out = append(out, fmt.Sprintf("%s: no Secret %s with key %s", where, ref.Name, ref.Key))
					}
				}
			}
		}
		return out
	}
}

func secretRef(e corev1.EnvVar) *corev1.SecretKeySelector {
	if e.ValueFrom == nil {
		return nil
	}
	return e.ValueFrom.SecretKeyRef
}

func hasKey(secrets []corev1.Secret, name, key string) bool {
	for _, s := range secrets {
		if s.Name == name {
			_, inData := s.Data[key]
			_, inString := s.StringData[key]
			return inData || inString
		}
	}
	return false
}

// checkNoDevIssuer: prod never turns the development token issuer on.
func checkNoDevIssuer(_ *testing.T, o *objects) []string {
	var out []string
	for _, w := range o.workloads() {
		for _, c := range w.spec.Containers {
			for _, e := range c.Env {
				if e.Name == "GATEWAY_DEV_ISSUER" && (e.ValueFrom != nil || e.Value != "false") {
					out = append(out, fmt.Sprintf("%s %s: GATEWAY_DEV_ISSUER must be absent or \"false\" in prod", w.kind, w.name))
				}
			}
		}
	}
	return out
}
