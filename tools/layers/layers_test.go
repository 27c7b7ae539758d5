package layers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/eventshop/eventshop/tools/layers"
)

// repoRoot is the repository, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goList returns every package of the workspace and its dependencies, as
// `go list -deps -json` reports them.
func goList(t *testing.T, root string) []layers.Package {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps", layers.Module+"...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []layers.Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p layers.Package
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return pkgs
		}
		if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}

// TestRepositoryFollowsTheImportRules runs the import rules on every
// package of the workspace.
func TestRepositoryFollowsTheImportRules(t *testing.T) {
	pkgs := goList(t, repoRoot(t))
	if len(pkgs) < 50 {
		t.Fatalf("go list found %d packages; is the workspace there?", len(pkgs))
	}
	for _, v := range layers.CheckImports(pkgs) {
		t.Error(v)
	}
}

// TestRepositoryFollowsTheSourceRules runs the source rules on every
// non-test Go file of the repository.
func TestRepositoryFollowsTheSourceRules(t *testing.T) {
	vs, err := layers.CheckSource(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

// TestEveryRuleFailsOnItsFixture checks the rules against testdata/bad,
// which breaks each of them once: a port importing an adapter, a batch
// carried in a context, a package-level map in a shared package, and
// inbox importing outbox; the sentinel error beside the map passes.
func TestEveryRuleFailsOnItsFixture(t *testing.T) {
	root := filepath.Join("testdata", "bad")
	pkgs, err := layers.PackagesFromSource(root)
	if err != nil {
		t.Fatal(err)
	}
	source, err := layers.CheckSource(root)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, v := range slices.Concat(layers.CheckImports(pkgs), source) {
		got[v.Rule] = append(got[v.Rule], v.Where)
	}
	want := map[string][]string{
		"port-imports-adapter": {"services/shop/internal/ports"},
		"context-value":        {"services/shop/internal/adapters/postgres/batch.go:14"},
		"package-state":        {"pkg/inbox/inbox.go:15"},
		"pkg-order":            {"pkg/inbox"},
	}
	for rule, where := range want {
		if !slices.Equal(got[rule], where) {
			t.Errorf("rule %s fired at %v, want %v", rule, got[rule], where)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rules fired: %v, want exactly %d rules", got, len(want))
	}
}
