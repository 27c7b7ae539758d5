package deploycheck_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// checkNATS: NATS runs as a three-node JetStream cluster: a StatefulSet of
// three whose configuration, as nats-server itself parses it, enables
// JetStream and routes to every node through the headless Service; and a
// budget keeps two of the three up.
func checkNATS(t *testing.T, o *objects) []string {
	i := slices.IndexFunc(o.statefulSets, func(s appsv1.StatefulSet) bool { return s.Name == "nats" })
	if i < 0 {
		return []string{"no StatefulSet nats"}
	}
	s := o.statefulSets[i]
	var out []string
	if s.Spec.Replicas == nil || *s.Spec.Replicas != 3 {
		out = append(out, "StatefulSet nats: want 3 replicas")
	}
	if !hasBudget(o, s.Spec.Template.Labels) {
		out = append(out, "StatefulSet nats: no PodDisruptionBudget selects it")
	}
	opts, err := natsOptions(t, o)
	if err != nil {
		return append(out, err.Error())
	}
	if !opts.JetStream {
		out = append(out, "NATS configuration does not enable JetStream")
	}
	var routes []string
	for _, r := range opts.Routes {
		routes = append(routes, r.Host)
	}
	for n := range 3 {
		route := fmt.Sprintf("nats-%d.%s:6222", n, s.Spec.ServiceName)
		if !slices.Contains(routes, route) {
			out = append(out, "NATS configuration has no route to "+route)
		}
	}
	return out
}

// natsOptions parses the ConfigMap nats-config as nats-server does, with
// the server name a pod gets from its environment.
func natsOptions(t *testing.T, o *objects) (*server.Options, error) {
	i := slices.IndexFunc(o.configMaps, func(cm corev1.ConfigMap) bool { return cm.Name == "nats-config" })
	if i < 0 {
		return nil, errors.New("no ConfigMap nats-config")
	}
	conf := strings.ReplaceAll(o.configMaps[i].Data["nats.conf"], "$SERVER_NAME", "nats-0")
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("NATS configuration: %w", err)
	}
	return opts, nil
}

// checkStreamReplicas: a service whose configuration reads STREAM_REPLICAS
// keeps each of its streams on three NATS nodes (checkNATS requires the
// three), so that losing one node loses no stream. The rule waits for
// services that read the variable.
func checkStreamReplicas(t *testing.T, o *objects) []string {
	root := repoRoot(t)
	const want = "3"
	var out []string
	for _, d := range o.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			svc := ownImage(c.Image)
			if svc == "" {
				continue
			}
			if _, reads := readVars(t, root, filepath.Join(root, modules[svc].dir))["STREAM_REPLICAS"]; !reads {
				continue
			}
			name := modules[svc].prefix + "STREAM_REPLICAS"
			if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name && e.Value == want }) {
				out = append(out, fmt.Sprintf("Deployment %s: set %s to %s, a copy of each stream on every NATS node", d.Name, name, want))
			}
		}
	}
	return out
}

// checkDatabases: each PostgreSQL service database is a CloudNativePG
// Cluster in prod and a StatefulSet in dev; MongoDB is a StatefulSet in dev
// and outside the cluster in prod.
func checkDatabases(overlay string) func(*testing.T, *objects) []string {
	return func(_ *testing.T, o *objects) []string {
		var out []string
		for _, db := range []string{"order-db", "inventory-db", "payment-db", "notification-db"} {
			isCluster := slices.ContainsFunc(o.clusters, func(c cnpgCluster) bool { return c.Name == db })
			isSet := slices.ContainsFunc(o.statefulSets, func(s appsv1.StatefulSet) bool { return s.Name == db })
			wantCluster := overlay == "prod" && db != "notification-db"
			wantSet := overlay != "prod"
			if isCluster != wantCluster || isSet != wantSet {
				out = append(out, fmt.Sprintf("%s: Cluster %v, StatefulSet %v; want %v and %v in %s", db, isCluster, isSet, wantCluster, wantSet, overlay))
			}
		}
		for _, c := range o.clusters {
			if c.Spec.Instances < 2 || c.Spec.Affinity.EnablePodAntiAffinity == nil || !*c.Spec.Affinity.EnablePodAntiAffinity {
				out = append(out, fmt.Sprintf("Cluster %s: want at least two instances on different nodes", c.Name))
			}
			if c.Spec.InheritedMetadata.Labels[nameLabel] != c.Name {
				out = append(out, fmt.Sprintf("Cluster %s: its pods need the label %s=%s, which the services' NetworkPolicies select", c.Name, nameLabel, c.Name))
			}
		}
		return out
	}
}
