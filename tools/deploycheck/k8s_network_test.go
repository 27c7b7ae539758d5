package deploycheck_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const nameLabel = "app.kubernetes.io/name"

// egressFor is where each of the project's pods may connect in an overlay,
// as "peer:port": a workload's name, dns (the cluster DNS) or * (any
// address). Each service reaches its own database, NATS, DNS and the peers
// it calls synchronously; in prod the provider and MongoDB are outside.
func egressFor(overlay string) map[string][]string {
	want := map[string][]string{
		"gateway":      {"dns:53", "inventory:8082", "nats:4222", "notification:8084", "order:8081", "payment:8083"},
		"order":        {"dns:53", "inventory:8082", "nats:4222", "order-db:5432"},
		"inventory":    {"dns:53", "inventory-db:5432", "nats:4222"},
		"payment":      {"dns:53", "nats:4222", "payment-db:5432"},
		"notification": {"dns:53", "nats:4222"},
	}
	if overlay == "prod" {
		want["payment"] = append(want["payment"], "*:443")
		want["notification"] = append(want["notification"], "*:27017")
	} else {
		want["payment"] = append(want["payment"], "provider:8090")
		want["notification"] = append(want["notification"], "notification-db:27017")
	}
	for k := range want {
		slices.Sort(want[k])
	}
	return want
}

// pod is a set of pods a policy may select: a workload's, or a
// CloudNativePG Cluster's instances.
type pod struct {
	name   string
	labels labels.Set
}

func pods(o *objects) []pod {
	var out []pod
	for _, w := range o.workloads() {
		out = append(out, pod{w.name, w.labels})
	}
	for _, c := range o.clusters {
		l := labels.Set{"cnpg.io/cluster": c.Name}
		maps.Copy(l, c.Spec.InheritedMetadata.Labels)
		out = append(out, pod{c.Name, l})
	}
	return out
}

func selects(sel metav1.LabelSelector, p pod) bool {
	s, err := metav1.LabelSelectorAsSelector(&sel)
	return err == nil && s.Matches(p.labels)
}

// checkExposure: only the gateway is reachable from outside the cluster,
// through a LoadBalancer Service or an Ingress, and only its NetworkPolicy
// admits traffic from anywhere.
func checkExposure(_ *testing.T, o *objects) []string {
	var out []string
	exposed := len(o.ingresses) > 0
	for _, s := range o.services {
		external := s.Spec.Type == corev1.ServiceTypeLoadBalancer || s.Spec.Type == corev1.ServiceTypeNodePort || len(s.Spec.ExternalIPs) > 0
		if external && s.Name != "gateway" {
			out = append(out, fmt.Sprintf("Service %s is reachable from outside (%s); only the gateway may be", s.Name, s.Spec.Type))
		}
		exposed = exposed || external && s.Name == "gateway"
	}
	if !exposed {
		out = append(out, "the gateway is not reachable from outside: give it a LoadBalancer Service or an Ingress")
	}
	for _, ing := range o.ingresses {
		for _, b := range ingressBackends(ing) {
			if b != "gateway" {
				out = append(out, fmt.Sprintf("Ingress %s routes to %s; only the gateway may be exposed", ing.Name, b))
			}
		}
	}
	for _, np := range o.policies {
		if !admitsAnyone(np) {
			continue
		}
		for _, p := range pods(o) {
			if selects(np.Spec.PodSelector, p) && p.labels[nameLabel] != "gateway" {
				out = append(out, fmt.Sprintf("NetworkPolicy %s admits anyone to %s; only the gateway may be", np.Name, p.name))
			}
		}
	}
	return out
}

func ingressBackends(ing networkingv1.Ingress) []string {
	var out []string
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		out = append(out, b.Service.Name)
	}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service != nil {
				out = append(out, p.Backend.Service.Name)
			}
		}
	}
	return out
}

func admitsAnyone(np networkingv1.NetworkPolicy) bool {
	for _, r := range np.Spec.Ingress {
		if len(r.From) == 0 {
			return true
		}
		for _, peer := range r.From {
			if peer.IPBlock != nil || peer.NamespaceSelector != nil && len(peer.NamespaceSelector.MatchLabels)+len(peer.NamespaceSelector.MatchExpressions) == 0 {
				return true
			}
		}
	}
	return false
}

// checkPolicies: everything is denied by default, every workload has its
// own NetworkPolicy, and each of the project's pods may connect exactly
// where egressFor says.
func checkPolicies(overlay string) func(*testing.T, *objects) []string {
	return func(_ *testing.T, o *objects) []string {
		var out []string
		if !slices.ContainsFunc(o.policies, isDefaultDeny) {
			out = append(out, "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)")
		}
		for _, p := range pods(o) {
			if !slices.ContainsFunc(o.policies, func(np networkingv1.NetworkPolicy) bool {
				return len(np.Spec.PodSelector.MatchLabels) > 0 && selects(np.Spec.PodSelector, p)
			}) {
				out = append(out, fmt.Sprintf("%s: no NetworkPolicy of its own", p.name))
			}
		}
		reach := egress(o)
		for name, want := range egressFor(overlay) {
			if got := reach[name]; !slices.Equal(got, want) {
				out = append(out, fmt.Sprintf("%s may connect to %v, want %v", name, got, want))
			}
		}
		return out
	}
}

func isDefaultDeny(np networkingv1.NetworkPolicy) bool {
	s := np.Spec
	return len(s.PodSelector.MatchLabels)+len(s.PodSelector.MatchExpressions) == 0 &&
		slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeIngress) &&
		slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeEgress) &&
		len(s.Ingress)+len(s.Egress) == 0
}

// egress returns, for each pod set, the sorted "peer:port" it may reach.
func egress(o *objects) map[string][]string {
	all := pods(o)
	seen := map[string]map[string]bool{}
	for _, np := range o.policies {
		for _, p := range all {
			if !selects(np.Spec.PodSelector, p) {
				continue
			}
			if seen[p.name] == nil {
				seen[p.name] = map[string]bool{}
			}
			for _, r := range np.Spec.Egress {
				for _, peer := range peerNames(r.To, all) {
					for _, port := range r.Ports {
						seen[p.name][fmt.Sprintf("%s:%s", peer, port.Port.String())] = true
					}
				}
			}
		}
	}
	out := map[string][]string{}
	for name, set := range seen {
		out[name] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// peerNames names the pods a rule's peers select: * for no peer (anywhere),
// dns for the cluster DNS, the selected workloads' names otherwise.
func peerNames(peers []networkingv1.NetworkPolicyPeer, all []pod) []string {
	if len(peers) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, peer := range peers {
		switch {
		case peer.IPBlock != nil:
			out = append(out, peer.IPBlock.CIDR)
		case peer.NamespaceSelector != nil:
			if peer.PodSelector != nil && peer.PodSelector.MatchLabels["k8s-app"] == "kube-dns" {
				out = append(out, "dns")
			} else {
				out = append(out, "namespace "+metav1.FormatLabelSelector(peer.NamespaceSelector))
			}
		case peer.PodSelector != nil:
			n := len(out)
			for _, p := range all {
				if selects(*peer.PodSelector, p) {
					out = append(out, p.name)
				}
			}
			if len(out) == n {
				out = append(out, "nothing("+metav1.FormatLabelSelector(peer.PodSelector)+")")
			}
		}
	}
	return out
}
