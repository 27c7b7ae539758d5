// Package layers checks the import direction and the state rules that keep
// the code readable as its patterns: which layer of a service may import
// which, the declared order of the shared packages, no batch or other
// state carried in a context, and no mutable package-level state in the
// shared packages. The test of this package runs the checks on the
// repository (make test) and on fixtures that break each rule.
package layers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Module is the import path prefix of the repository's packages.
const Module = "github.com/eventshop/eventshop/"

// Package is what the import rules need of one package, as
// `go list -deps -json` reports it.
type Package struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every package it depends on, transitively
}

// Violation is one broken rule.
type Violation struct {
	Rule   string // the rule's name, e.g. "port-imports-adapter"
	Where  string // the package or file:line
	Detail string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %s", v.Rule, v.Where, v.Detail) }

// PkgTiers is the declared order of the shared packages under pkg/: a
// package may import, of ours, only packages of a lower tier (and the
// schemas). Packages of one tier never import each other, so inbox and
// outbox stay independent.
var PkgTiers = [][]string{
	{"pkg/logging", "pkg/outage", "pkg/problem", "pkg/config", "pkg/auth", "pkg/event", "pkg/page", "pkg/cmd/healthcheck", "pkg/tracing"},
	{"pkg/pgdb", "pkg/bus", "pkg/leader"},
	{"pkg/httpserver", "pkg/outbox", "pkg/inbox", "pkg/startup"},
}

// servicePath splits services/<svc>/internal/<layer>/... into its service
// and layer.
var servicePath = regexp.MustCompile(`^services/([^/]+)(?:/internal/([^/]+)(?:/([^/]+))?)?`)

// CheckImports applies the import rules to pkgs:
//   - port-imports-adapter: a service's ports, app and domain never depend
//     on its adapters;
//   - domain-imports: a domain imports nothing of ours but its own domain;
//   - pkg-order: shared packages import only lower tiers of PkgTiers;
//   - service-imports-service: no service depends on another service.
func CheckImports(pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		path, ok := strings.CutPrefix(p.ImportPath, Module)
		if !ok {
			continue
		}
		out = append(out, checkService(path, p)...)
		out = append(out, checkPkg(path, p)...)
	}
	return out
}

func ours(paths []string) []string {
	var out []string
	for _, d := range paths {
		if rest, ok := strings.CutPrefix(d, Module); ok {
			out = append(out, rest)
		}
	}
	return out
}

func checkService(path string, p Package) []Violation {
	m := servicePath.FindStringSubmatch(path)
	if m == nil {
		return nil
	}
	svc, layer := m[1], m[2]
	var out []Violation
	for _, d := range ours(p.Deps) {
		dm := servicePath.FindStringSubmatch(d)
		switch {
		case dm != nil && dm[1] != svc:
			out = append(out, Violation{"service-imports-service", path, "depends on " + d})
		case dm != nil && dm[2] == "adapters" && slices.Contains([]string{"ports", "app", "domain"}, layer):
			out = append(out, Violation{"port-imports-adapter", path, layer + " depends on " + d})
		}
	}
	if layer == "domain" {
		for _, d := range ours(p.Imports) {
			if !strings.HasPrefix(d, "services/"+svc+"/internal/domain") {
				out = append(out, Violation{"domain-imports", path, "domain imports " + d})
			}
		}
	}
	return out
}

// tierOf returns the tier of a shared package, or -1 when undeclared.
func tierOf(path string) int {
	for i, tier := range PkgTiers {
		if slices.Contains(tier, path) {
			return i
		}
	}
	return -1
}

func checkPkg(path string, p Package) []Violation {
	if !strings.HasPrefix(path, "pkg/") {
		return nil
	}
	tier := tierOf(path)
	if tier < 0 {
		return []Violation{{"pkg-order", path, "not declared in PkgTiers"}}
	}
	var out []Violation
	for _, d := range ours(p.Imports) {
		if d == "schemas" {
			continue
		}
		if dt := tierOf(d); dt < 0 || dt >= tier {
			out = append(out, Violation{"pkg-order", path, fmt.Sprintf("imports %s (tier %d, own tier %d)", d, dt, tier)})
		}
	}
	return out
}
