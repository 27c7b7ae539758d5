package deploycheck_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// scaled are the Deployments that run as several replicas: each needs a
// PodDisruptionBudget and a HorizontalPodAutoscaler. The provider simulator
// runs once (its authorisations live in its process).
var scaled = []string{"gateway", "order", "inventory", "payment", "notification"}

// ownImage returns the compose service whose image a container runs
// (eventshop/order:0.1.0 -> order), or "" for another image.
func ownImage(image string) string {
	name, ok := strings.CutPrefix(image, "eventshop/")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(name, ":")
	name, _, _ = strings.Cut(name, "@")
	return name
}

func allContainers(spec corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(spec.InitContainers), spec.Containers...)
}

// checkProbes: every container has a readiness and a liveness probe; the
// project's own ask /readyz and /healthz on the port their HTTP_ADDR serves.
func checkProbes(_ *testing.T, o *objects) []string {
	var out []string
	for _, w := range o.workloads() {
		for _, c := range w.spec.Containers {
			where := fmt.Sprintf("%s %s: container %s", w.kind, w.name, c.Name)
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				out = append(out, where+": needs a readiness and a liveness probe")
				continue
			}
			svc := ownImage(c.Image)
			if svc == "" {
				continue
			}
			port := servedPort(c, modules[svc].prefix)
			for _, p := range []struct {
				kind, path string
				probe      *corev1.Probe
			}{{"readiness", "/readyz", c.ReadinessProbe}, {"liveness", "/healthz", c.LivenessProbe}} {
				get := p.probe.HTTPGet
				if get == nil || get.Path != p.path {
					out = append(out, fmt.Sprintf("%s: %s probe must GET %s", where, p.kind, p.path))
					continue
				}
				if got := probePort(c, get.Port.String()); got == 0 || got != port {
					out = append(out, fmt.Sprintf("%s: %s probe asks port %s, but the service serves %d", where, p.kind, get.Port.String(), port))
				}
			}
		}
	}
	return out
}

// servedPort is the port of the container's <PREFIX>HTTP_ADDR, 0 if unset.
func servedPort(c corev1.Container, prefix string) int32 {
	for _, e := range c.Env {
		if e.Name == prefix+"HTTP_ADDR" {
			_, port, _ := net.SplitHostPort(e.Value)
			n, _ := strconv.ParseInt(port, 10, 32)
			return int32(n)
		}
	}
	return 0
}

// probePort resolves a probe's port, by name or number, to a declared
// container port.
func probePort(c corev1.Container, port string) int32 {
	for _, p := range c.Ports {
		if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
			return p.ContainerPort
		}
	}
	return 0
}

// checkResources: every container, init containers too, requests and limits
// CPU and memory.
func checkResources(_ *testing.T, o *objects) []string {
	var out []string
	for _, w := range o.workloads() {
		for _, c := range allContainers(w.spec) {
			r := c.Resources
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if r.Requests.Name(name, "").IsZero() || r.Limits.Name(name, "").IsZero() {
					out = append(out, fmt.Sprintf("%s %s: container %s: set requests and limits of %s", w.kind, w.name, c.Name, name))
				}
			}
		}
	}
	return out
}

// checkSecurity: each namespace enforces the restricted Pod Security
// Standard, and each pod meets it as the admission controller would judge
// it (non-root, no privilege escalation, all capabilities dropped, the
// RuntimeDefault seccomp profile, no host namespaces); beyond it, each
// container's root filesystem is read-only and no pod gets an API token.
func checkSecurity(_ *testing.T, o *objects) []string {
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return []string{"pod security evaluator: " + err.Error()}
	}
	restricted := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var out []string
	for _, ns := range o.namespaces {
		if ns.Labels[psaapi.EnforceLevelLabel] != string(psaapi.LevelRestricted) {
			out = append(out, "Namespace "+ns.Name+": enforce the restricted Pod Security Standard")
		}
	}
	if len(o.namespaces) == 0 {
		out = append(out, "no Namespace: the overlay must create one that enforces the restricted Pod Security Standard")
	}
	for _, w := range o.workloads() {
		where := w.kind + " " + w.name
		for _, r := range eval.EvaluatePod(restricted, &metav1.ObjectMeta{Labels: w.labels}, &w.spec) {
			if !r.Allowed {
				out = append(out, fmt.Sprintf("%s: restricted Pod Security Standard: %s (%s)", where, r.ForbiddenReason, r.ForbiddenDetail))
			}
		}
		if w.spec.AutomountServiceAccountToken == nil || *w.spec.AutomountServiceAccountToken {
			out = append(out, where+": set automountServiceAccountToken: false")
		}
		for _, c := range allContainers(w.spec) {
			if c.SecurityContext == nil || !isTrue(c.SecurityContext.ReadOnlyRootFilesystem) {
				out = append(out, fmt.Sprintf("%s: container %s: the root filesystem is writable", where, c.Name))
			}
		}
	}
	return out
}

func isTrue(b *bool) bool { return b != nil && *b }

// checkImages: every image is pinned to a version or a digest, and the
// project's own are the images docker-compose.yml builds.
func checkImages(t *testing.T, o *objects) []string {
	built := map[string]bool{}
	for _, svc := range loadProject(t).Services {
		if svc.Build != nil {
			repo, _, _ := strings.Cut(svc.Image, ":")
			built[repo] = true
		}
	}
	var out []string
	for _, w := range o.workloads() {
		for _, c := range allContainers(w.spec) {
			if !pinned.MatchString(c.Image) {
				out = append(out, fmt.Sprintf("%s %s: container %s: image %q is not pinned to a version", w.kind, w.name, c.Name, c.Image))
			}
			if svc := ownImage(c.Image); svc != "" && !built["eventshop/"+svc] {
				out = append(out, fmt.Sprintf("%s %s: image %q is not one docker-compose.yml builds", w.kind, w.name, c.Image))
			}
		}
	}
	for _, c := range o.clusters {
		if !pinned.MatchString(c.Spec.ImageName) {
			out = append(out, fmt.Sprintf("Cluster %s: image %q is not pinned to a version", c.Name, c.Spec.ImageName))
		}
	}
	return out
}

// checkScaling: each scaled Deployment exists and has a
// PodDisruptionBudget and a HorizontalPodAutoscaler.
func checkScaling(_ *testing.T, o *objects) []string {
	var out []string
	for _, d := range o.deployments {
		if !slices.Contains(scaled, d.Name) {
			continue
		}
		if !hasBudget(o, d.Spec.Template.Labels) {
			out = append(out, "Deployment "+d.Name+": no PodDisruptionBudget selects it")
		}
		if !slices.ContainsFunc(o.autoscalers, func(h autoscaler) bool {
			return h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name
		}) {
			out = append(out, "Deployment "+d.Name+": no HorizontalPodAutoscaler scales it")
		}
	}
	for _, name := range scaled {
		if !slices.ContainsFunc(o.deployments, func(d deployment) bool { return d.Name == name }) {
			out = append(out, "no Deployment "+name)
		}
	}
	return out
}

func hasBudget(o *objects, podLabels map[string]string) bool {
	for _, b := range o.budgets {
		sel, err := metaSelector(b.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(podLabels)) {
			return true
		}
	}
	return false
}
