package deploycheck_test

import (
	"fmt"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/eventshop/eventshop/tools/deploycheck"
)

// cnpgCluster is the part of CloudNativePG's Cluster (postgresql.cnpg.io/v1)
// that the prod overlay uses, with CloudNativePG's field names. It is not
// the published schema: a field the manifests use must be added here, and an
// unknown or misspelt one fails the strict decoding.
type cnpgCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName"`
		EnableSuperuserAccess *bool  `json:"enableSuperuserAccess"`
		InheritedMetadata     struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"inheritedMetadata"`
		Bootstrap struct {
			InitDB struct {
				Database string `json:"database"`
				Owner    string `json:"owner"`
			} `json:"initdb"`
		} `json:"bootstrap"`
		Storage struct {
			Size         resource.Quantity `json:"size"`
			StorageClass *string           `json:"storageClass"`
		} `json:"storage"`
		Resources corev1.ResourceRequirements `json:"resources"`
		Affinity  struct {
			EnablePodAntiAffinity *bool  `json:"enablePodAntiAffinity"`
			TopologyKey           string `json:"topologyKey"`
		} `json:"affinity"`
	} `json:"spec"`
}

// objects are the decoded objects of one rendered kustomization.
type objects struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	services     []corev1.Service
	secrets      []corev1.Secret
	configMaps   []corev1.ConfigMap
	namespaces   []corev1.Namespace
	policies     []networkingv1.NetworkPolicy
	ingresses    []networkingv1.Ingress
	budgets      []policyv1.PodDisruptionBudget
	autoscalers  []autoscalingv2.HorizontalPodAutoscaler
	clusters     []cnpgCluster
}

// workload is a pod template and what owns it.
type workload struct {
	kind, name string
	labels     map[string]string
	spec       corev1.PodSpec
}

func (o *objects) workloads() []workload {
	var out []workload
	for _, d := range o.deployments {
		out = append(out, workload{"Deployment", d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, s := range o.statefulSets {
		out = append(out, workload{"StatefulSet", s.Name, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	return out
}

// builtIn knows the k8s.io/api types of the groups a manifest here may use.
func builtIn() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, networkingv1.AddToScheme,
		policyv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

var clusterKind = schema.GroupVersionKind{Group: "postgresql.cnpg.io", Version: "v1", Kind: "Cluster"}

// loadObjects renders the kustomization in dir and decodes every object
// strictly into its type: an unknown or duplicated field is an error, and so
// is a kind this test has no type for.
func loadObjects(dir string) (*objects, error) {
	m, err := deploycheck.Render(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	scheme, err := builtIn()
	if err != nil {
		return nil, err
	}
	o := &objects{}
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		gvk := schema.FromAPIVersionAndKind(r.GetApiVersion(), r.GetKind())
		if err := o.add(scheme, gvk, y); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", r.GetKind(), r.GetName(), err)
		}
	}
	return o, nil
}

func (o *objects) add(scheme *runtime.Scheme, gvk schema.GroupVersionKind, y []byte) error {
	if gvk == clusterKind {
		var c cnpgCluster
		if err := yaml.UnmarshalStrict(y, &c); err != nil {
			return err
		}
		o.clusters = append(o.clusters, c)
		return nil
	}
	obj, err := scheme.New(gvk)
	if err != nil {
		return fmt.Errorf("no k8s.io/api type: %w", err)
	}
	if err := yaml.UnmarshalStrict(y, obj); err != nil {
		return err
	}
	switch v := obj.(type) {
	case *appsv1.Deployment:
		o.deployments = append(o.deployments, *v)
	case *appsv1.StatefulSet:
		o.statefulSets = append(o.statefulSets, *v)
	case *corev1.Service:
		o.services = append(o.services, *v)
	case *corev1.Secret:
		o.secrets = append(o.secrets, *v)
	case *corev1.ConfigMap:
		o.configMaps = append(o.configMaps, *v)
	case *corev1.Namespace:
		o.namespaces = append(o.namespaces, *v)
	case *networkingv1.NetworkPolicy:
		o.policies = append(o.policies, *v)
	case *networkingv1.Ingress:
		o.ingresses = append(o.ingresses, *v)
	case *policyv1.PodDisruptionBudget:
		o.budgets = append(o.budgets, *v)
	case *autoscalingv2.HorizontalPodAutoscaler:
		o.autoscalers = append(o.autoscalers, *v)
	default:
		return fmt.Errorf("kind %s is decoded but no rule reads it: add it to objects", gvk.Kind)
	}
	return nil
}

// overlayDir is the directory of one of deploy/k8s's overlays.
func overlayDir(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "deploy", "k8s", "overlays", name)
}

type (
	deployment = appsv1.Deployment
	autoscaler = autoscalingv2.HorizontalPodAutoscaler
)

func metaSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(s)
}
