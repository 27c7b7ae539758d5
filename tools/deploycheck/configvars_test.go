package deploycheck_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// field is one configuration field: its variable (or the prefix of a nested
// struct's variables) and the struct type it nests.
type field struct {
	env, prefix, nested string
	hasDefault          bool
}

// readVars returns every environment variable (without the service prefix)
// that the caarlos0/env tags of a module's non-test code declare, and whether
// each has a default. Nested structs with envPrefix are followed, and so are
// untagged fields of a struct type from the repository's pkg/ (auth.Config):
// env parses those with the service's prefix.
func readVars(t *testing.T, root, dir string) map[string]bool {
	t.Helper()
	types := map[string][]field{}
	if err := collectDir(dir, "", types); err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	shared, err := os.ReadDir(filepath.Join(root, "pkg"))
	if err != nil {
		t.Fatalf("read pkg: %v", err)
	}
	for _, d := range shared {
		if d.IsDir() {
			if err := collectDir(filepath.Join(root, "pkg", d.Name()), d.Name()+".", types); err != nil {
				t.Fatalf("read pkg/%s: %v", d.Name(), err)
			}
		}
	}
	nestedTypes := map[string]bool{}
	for _, fields := range types {
		for _, f := range fields {
			if f.nested != "" {
				nestedTypes[f.nested] = true
			}
		}
	}
	out := map[string]bool{}
	for name := range types {
		if !nestedTypes[name] && !strings.Contains(name, ".") {
			expand(types, name, "", out)
		}
	}
	return out
}

// collectDir adds the tagged structs of the non-test Go files directly in
// dir (and, for a module's own dir, below it) to types, their names after
// qualifier ("auth." for pkg/auth).
func collectDir(dir, qualifier string, types map[string][]field) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if qualifier != "" && path != dir {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		return collectStructs(path, qualifier, types)
	})
}

func expand(types map[string][]field, name, prefix string, out map[string]bool) {
	for _, f := range types[name] {
		if f.nested != "" {
			expand(types, f.nested, prefix+f.prefix, out)
			continue
		}
		out[prefix+f.env] = f.hasDefault
	}
}

func collectStructs(path, qualifier string, types map[string][]field) error {
	src, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(src), `env:"`) && !strings.Contains(string(src), `envPrefix:"`) {
		return err
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
	if err != nil {
		return err
	}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			if fields := structFields(st); len(fields) > 0 {
				types[qualifier+ts.Name.Name] = fields
			}
		}
		return true
	})
	return nil
}

func structFields(st *ast.StructType) []field {
	var out []field
	for _, fl := range st.Fields.List {
		if fl.Tag == nil {
			// An untagged struct from another package is parsed in place.
			if sel, ok := fl.Type.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					out = append(out, field{nested: pkg.Name + "." + sel.Sel.Name})
				}
			}
			continue
		}
		raw, _ := strconv.Unquote(fl.Tag.Value)
		tag := reflect.StructTag(raw)
		_, hasDefault := tag.Lookup("envDefault")
		f := field{prefix: tag.Get("envPrefix"), hasDefault: hasDefault}
		f.env, _, _ = strings.Cut(tag.Get("env"), ",")
		if f.prefix != "" {
			if id, ok := fl.Type.(*ast.Ident); ok {
				f.nested = id.Name
			}
		}
		if f.env != "" || f.nested != "" {
			out = append(out, f)
		}
	}
	return out
}
