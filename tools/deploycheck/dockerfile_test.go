package deploycheck_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func TestDockerfileBuildsEveryServiceItNames(t *testing.T) {
	root := repoRoot(t)
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	copied := copiedDirs(string(dockerfile))
	for name, svc := range loadProject(t).Services {
		if svc.Build == nil {
			continue
		}
		module, service := valueOf(svc.Build.Args["MODULE"]), valueOf(svc.Build.Args["SERVICE"])
		if module == "" || service == "" {
			t.Errorf("%s: build args MODULE and SERVICE are required", name)
			continue
		}
		main, err := os.ReadFile(filepath.Join(root, module, "cmd", service, "main.go"))
		if err != nil || !strings.Contains(string(main), "package main") {
			t.Errorf("%s: %s/cmd/%s is not a main package: %v", name, module, service, err)
		}
		for _, dep := range localReplaces(t, filepath.Join(root, module)) {
			rel, err := filepath.Rel(root, dep)
			if err != nil || !copied[rel] {
				t.Errorf("%s: module %s replaces a dependency with %s, which the Dockerfile does not copy", name, module, rel)
			}
		}
	}
}

func valueOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var copyLine = regexp.MustCompile(`(?m)^COPY\s+([^\s]+)/\s+`)

// copiedDirs lists the directories the Dockerfile copies whole ("COPY pkg/ pkg/").
func copiedDirs(dockerfile string) map[string]bool {
	out := map[string]bool{}
	for _, m := range copyLine.FindAllStringSubmatch(dockerfile, -1) {
		out[m[1]] = true
	}
	return out
}

// localReplaces returns the absolute directories a module's go.mod replaces
// dependencies with.
func localReplaces(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range mf.Replace {
		if strings.HasPrefix(r.New.Path, ".") {
			out = append(out, filepath.Join(dir, r.New.Path))
		}
	}
	return out
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.work")); err != nil {
		t.Fatalf("repository root not found from %s", dir)
	}
	return dir
}
