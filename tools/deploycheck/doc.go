// Package deploycheck holds tests that validate the deployments by parsing
// them, since no test may depend on a running Docker engine or cluster:
// docker-compose.yml and the Dockerfile, and the Kubernetes overlays under
// deploy/k8s, which Render builds as kustomize does.
package deploycheck
