package layers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ContextValueAllowed lists the files that may call context.WithValue, each
// for a request-scoped value and nothing else: rule context-value keeps
// batches, transactions and other state out of contexts.
var ContextValueAllowed = map[string]string{
	"pkg/logging/logging.go":              "the log attributes (request id, event id, order id) of the request",
	"pkg/auth/auth.go":                    "the caller's identity, from the request's token",
	"gateway/internal/gateway/forward.go": "the proxied exchange of one request, for ReverseProxy's hooks",
}

// CheckSource applies the source rules to the non-test Go files under root
// (the repository, or a fixture laid out like it):
//   - context-value: no context.WithValue outside ContextValueAllowed;
//   - package-state: no package-level variable under pkg/ but the blank
//     identifier (interface assertions), sentinel errors (errors.New,
//     fmt.Errorf) and //go:embed file systems. Everything else, metrics
//     collectors included, is state to hand in: collectors are built on
//     the registry a service serves and passed where they count.
func CheckSource(root string) ([]Violation, error) {
	var out []Violation
	err := walkGo(root, func(rel string, f *ast.File, fset *token.FileSet) {
		out = append(out, contextValues(rel, f, fset)...)
		if strings.HasPrefix(rel, "pkg/") {
			out = append(out, packageState(rel, f, fset)...)
		}
	})
	return out, err
}

// walkGo parses every non-test .go file under root, skipping testdata,
// and calls fn with its slash-separated path relative to root.
func walkGo(root string, fn func(rel string, f *ast.File, fset *token.FileSet)) error {
	fset := token.NewFileSet()
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fn(filepath.ToSlash(rel), f, fset)
		return nil
	})
}

func contextValues(rel string, f *ast.File, fset *token.FileSet) []Violation {
	if _, ok := ContextValueAllowed[rel]; ok {
		return nil
	}
	var out []Violation
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && isCall(call, "context", "WithValue") {
			out = append(out, Violation{"context-value", position(rel, fset, call.Pos()),
				"context.WithValue outside the allowlist: pass state as a parameter"})
		}
		return true
	})
	return out
}

func packageState(rel string, f *ast.File, fset *token.FileSet) []Violation {
	var out []Violation
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		embedded := hasEmbed(gd.Doc)
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name == "_" || embedded || hasEmbed(vs.Doc) || isAllowedValue(vs, i) {
					continue
				}
				out = append(out, Violation{"package-state", position(rel, fset, name.Pos()),
					"package-level variable " + name.Name + ": keep state in a value handed in"})
			}
		}
	}
	return out
}

func hasEmbed(doc *ast.CommentGroup) bool {
	return doc != nil && slices.ContainsFunc(doc.List, func(c *ast.Comment) bool {
		return strings.HasPrefix(c.Text, "//go:embed")
	})
}

// isAllowedValue reports whether the i-th value of vs is a sentinel error
// (errors.New, fmt.Errorf).
func isAllowedValue(vs *ast.ValueSpec, i int) bool {
	if i >= len(vs.Values) {
		return false
	}
	call, ok := vs.Values[i].(*ast.CallExpr)
	if !ok {
		return false
	}
	return isCall(call, "errors", "New") || isCall(call, "fmt", "Errorf")
}

func isCall(call *ast.CallExpr, pkg, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}

func position(rel string, fset *token.FileSet, pos token.Pos) string {
	return rel + ":" + strconv.Itoa(fset.Position(pos).Line)
}

// PackagesFromSource reads the imports of the non-test Go files under root,
// a fixture laid out like the repository, as packages whose import path is
// Module plus their directory; their Deps are their direct imports.
func PackagesFromSource(root string) ([]Package, error) {
	byDir := map[string]*Package{}
	var dirs []string
	err := walkGo(root, func(rel string, f *ast.File, _ *token.FileSet) {
		dir := filepath.ToSlash(filepath.Dir(rel))
		p, ok := byDir[dir]
		if !ok {
			p = &Package{ImportPath: Module + dir}
			byDir[dir] = p
			dirs = append(dirs, dir)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			p.Imports = append(p.Imports, path)
			p.Deps = append(p.Deps, path)
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]Package, 0, len(dirs))
	for _, d := range dirs {
		out = append(out, *byDir[d])
	}
	return out, nil
}
