package deploycheck_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// rule is one check of a rendered kustomization; it returns what is wrong.
type rule struct {
	name  string
	check func(*testing.T, *objects) []string
}

func rules(overlay string) []rule {
	rs := []rule{
		{"probes", checkProbes},
		{"resources", checkResources},
		{"security", checkSecurity},
		{"images", checkImages},
		{"scaling", checkScaling},
		{"exposure", checkExposure},
		{"network policies", checkPolicies(overlay)},
		{"environment", checkEnv},
		{"migrations", checkMigrations},
		{"secrets", checkSecrets(overlay)},
		{"nats", checkNATS},
		{"stream replicas", checkStreamReplicas},
		{"databases", checkDatabases(overlay)},
	}
	if overlay == "prod" {
		rs = append(rs, rule{"no dev issuer", checkNoDevIssuer})
	}
	return rs
}

// problems renders dir, decodes it strictly and applies the rules of
// overlay; a render or decode error is the only problem when there is one.
func problems(t *testing.T, dir, overlay string) []string {
	t.Helper()
	o, err := loadObjects(dir)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, r := range rules(overlay) {
		for _, p := range r.check(t, o) {
			out = append(out, r.name+": "+p)
		}
	}
	return out
}

func TestEveryOverlayRendersAndFollowsTheRules(t *testing.T) {
	for _, overlay := range []string{"dev", "prod"} {
		t.Run(overlay, func(t *testing.T) {
			t.Parallel()
			for _, p := range problems(t, overlayDir(t, overlay), overlay) {
				t.Error(p)
			}
		})
	}
}

// TestBrokenKustomizationsFail proves that the rules can fail: each fixture
// is an overlay with one fault, and must fail for that fault alone.
func TestBrokenKustomizationsFail(t *testing.T) {
	tests := []struct {
		fixture, overlay, want string
	}{
		{"missing-probe", "dev", "Deployment order: container order: needs a readiness and a liveness probe"},
		{"latest-image", "dev", `image "eventshop/order:latest" is not pinned`},
		{"unknown-field", "dev", `decode Deployment order: error unmarshaling JSON: while decoding JSON: json: unknown field "readinesProbe"`},
		{"exposed-service", "dev", "Service order is reachable from outside"},
		{"open-egress", "dev", "order may connect to"},
		{"unread-variable", "dev", "sets ORDER_SAGA_TIMEOUTS, which the service does not read"},
		{"writable-root", "prod", "container gateway: the root filesystem is writable"},
		{"root-user", "prod", "Deployment order: restricted Pod Security Standard: runAsNonRoot != true"},
		{"dev-issuer", "prod", "GATEWAY_DEV_ISSUER must be absent"},
		{"committed-secret", "prod", "prod renders Secret eventshop-auth"},
		{"one-nats-node", "prod", "StatefulSet nats: want 3 replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			got := problems(t, filepath.Join("testdata", "k8s", tt.fixture), tt.overlay)
			if len(got) == 0 {
				t.Fatalf("%s passed every rule; want %q", tt.fixture, tt.want)
			}
			for _, p := range got {
				if !strings.Contains(p, tt.want) {
					t.Errorf("%s: unexpected problem %q; want only %q", tt.fixture, p, tt.want)
				}
			}
		})
	}
}
