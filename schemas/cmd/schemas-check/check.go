package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/schemas/compat"
)

// version is one schema version with what the gate needs of it.
type version struct {
	info     schemas.Info
	raw      []byte
	examples map[string][]byte // valid example payloads by file name
	validate func(data []byte) error
}

// registryVersions loads every version of the embedded registry and its valid examples.
func registryVersions(examplesDir string) ([]version, error) {
	if err := schemas.Err(); err != nil {
		return nil, fmt.Errorf("load registry: %w", err)
	}
	var out []version
	for _, info := range schemas.List() {
		raw, _ := schemas.Get(info.Type)
		paths, err := filepath.Glob(filepath.Join(examplesDir, info.Type, "valid-*.json"))
		if err != nil {
			return nil, fmt.Errorf("examples of %s: %w", info.Type, err)
		}
		v := version{info: info, raw: raw, examples: map[string][]byte{}, validate: validator(info.Type)}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("examples of %s: %w", info.Type, err)
			}
			v.examples[filepath.Base(p)] = data
		}
		out = append(out, v)
	}
	return out, nil
}

func validator(typ string) func([]byte) error {
	return func(data []byte) error { return schemas.Validate(typ, data) }
}

// check compares consecutive versions of each event and returns how many
// breaking findings it printed.
func check(w io.Writer, versions []version) int {
	byName := map[string][]version{}
	var names []string
	for _, v := range versions {
		if _, ok := byName[v.info.Name]; !ok {
			names = append(names, v.info.Name)
		}
		byName[v.info.Name] = append(byName[v.info.Name], v)
	}
	failures, pairs := 0, 0
	for _, name := range names {
		vs := byName[name]
		sort.Slice(vs, func(i, j int) bool { return vs[i].info.Version < vs[j].info.Version })
		for i := range vs {
			n, compared := checkPair(w, vs, i)
			failures += n
			if compared {
				pairs++
			}
		}
	}
	fmt.Fprintf(w, "schemas-check: %d event(s), %d version pair(s) compared, %d breaking\n", len(names), pairs, failures)
	return failures
}

// checkPair checks vs[i] against vs[i-1]: numbering, major line, schema
// rules and examples both ways.
func checkPair(w io.Writer, vs []version, i int) (failures int, compared bool) {
	cur := vs[i]
	if want := i + 1; cur.info.Version != want {
		fmt.Fprintf(w, "FAIL %s: version v%d found where v%d was expected (versions are numbered 1, 2, 3, ...)\n", cur.info.Name, cur.info.Version, want)
		return 1, false
	}
	if i == 0 {
		return 0, false
	}
	prev := vs[i-1]
	pair := fmt.Sprintf("%s v%d -> v%d", cur.info.Name, prev.info.Version, cur.info.Version)
	switch {
	case cur.info.Major < prev.info.Major:
		fmt.Fprintf(w, "FAIL %s: major line %d after %d\n", pair, cur.info.Major, prev.info.Major)
		return 1, false
	case cur.info.Major > prev.info.Major:
		fmt.Fprintf(w, "ok   %s: starts major line %d, not compared\n", pair, cur.info.Major)
		return 0, false
	}
	ps, err := compat.Compare(prev.raw, cur.raw)
	if err != nil {
		fmt.Fprintf(w, "FAIL %s: %v\n", pair, err)
		return 1, true
	}
	for _, p := range ps {
		level := "WARN"
		if p.Breaking {
			level = "FAIL"
			failures++
		}
		fmt.Fprintf(w, "%s %s: %s\n", level, pair, p)
	}
	failures += crossValidate(w, pair, prev, cur) + crossValidate(w, pair, cur, prev)
	if failures == 0 {
		fmt.Fprintf(w, "ok   %s\n", pair)
	}
	return failures, true
}

// crossValidate validates the valid examples of from against the schema of to.
func crossValidate(w io.Writer, pair string, from, to version) int {
	failures := 0
	names := make([]string, 0, len(from.examples))
	for name := range from.examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := to.validate(from.examples[name]); err != nil {
			fmt.Fprintf(w, "FAIL %s: example %s/%s rejected by %s: %v\n", pair, from.info.Type, name, to.info.Type, err)
			failures++
		}
	}
	return failures
}
