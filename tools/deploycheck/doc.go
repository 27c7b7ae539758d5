// Package deploycheck holds tests that validate the container deployment
// (docker-compose.yml and the Dockerfile) by parsing them, since no test may
// depend on a running Docker engine.
package deploycheck
