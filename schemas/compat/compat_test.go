package compat_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas/compat"
)

// fixture is a pair of schemas under testdata/<kind>/<name>/.
type fixture struct {
	name       string
	prev, next []byte
	want       []string // for incompatible pairs: a substring of each breaking problem
}

func fixtures(t *testing.T, kind string) []fixture {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", kind, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no %s fixtures: %v", kind, err)
	}
	var out []fixture
	for _, dir := range dirs {
		f := fixture{name: filepath.Base(dir), prev: read(t, dir, "old.json"), next: read(t, dir, "new.json")}
		if kind == "incompatible" {
			for line := range strings.Lines(string(read(t, dir, "want.txt"))) {
				if line = strings.TrimSpace(line); line != "" {
					f.want = append(f.want, line)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCompatiblePairsPass(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t, "compatible") {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			ps, err := compat.Compare(f.prev, f.next)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range compat.Breaking(ps) {
				t.Errorf("breaking: %s", p)
			}
		})
	}
}

func TestIncompatiblePairsFailNamingTheField(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t, "incompatible") {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			ps, err := compat.Compare(f.prev, f.next)
			if err != nil {
				t.Fatal(err)
			}
			breaking := compat.Breaking(ps)
			if len(breaking) != len(f.want) {
				t.Errorf("got %d breaking problems %v, want %d", len(breaking), breaking, len(f.want))
			}
			for _, want := range f.want {
				if !containsProblem(breaking, want) {
					t.Errorf("no breaking problem contains %q; got %v", want, breaking)
				}
			}
		})
	}
}

func containsProblem(ps []compat.Problem, want string) bool {
	for _, p := range ps {
		if strings.Contains(p.String(), want) {
			return true
		}
	}
	return false
}

func TestWarningsAreNotBreaking(t *testing.T) {
	t.Parallel()
	prev := []byte(`{"properties":{"s":{"enum":["a"]}}}`)
	next := []byte(`{"properties":{"s":{"enum":["a","b"]}}}`)
	ps, err := compat.Compare(prev, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Breaking || ps[0].String() != `/s: enum-widened: values ["b"] added; older consumers must tolerate them` {
		t.Errorf("Compare = %v, want one enum-widened warning", ps)
	}
}

func TestCompareRejectsMalformedSchemas(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, prev, next string }{
		{"old not json", `{`, `{}`},
		{"new not json", `{}`, `nope`},
		{"not an object", `null`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := compat.Compare([]byte(tt.prev), []byte(tt.next)); err == nil {
				t.Error("Compare = nil error, want one")
			}
		})
	}
}
