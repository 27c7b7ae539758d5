package docscheck_test

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// link matches a Markdown link's target: [text](target).
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// skipped are folders whose Markdown is not the project's own.
var skipped = map[string]bool{".git": true, "node_modules": true, ".data": true, "bin": true, "testdata": true}

func TestEveryRelativeLinkResolves(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skipped[d.Name()] {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".md") {
			return nil
		}
		checked++
		for _, target := range brokenLinks(t, path) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s: link to %s: no such file or folder", rel, target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked %d Markdown files; the walk missed the repository", checked)
	}
}

// brokenLinks returns the relative link targets of the Markdown file at
// path that name nothing on disk.
func brokenLinks(t *testing.T, path string) []string {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var broken []string
	for _, m := range link.FindAllStringSubmatch(string(body), -1) {
		target := m[1]
		u, err := url.Parse(target)
		if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(target, "#") {
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), filepath.FromSlash(u.Path))); err != nil {
			broken = append(broken, target)
		}
	}
	return broken
}

// repoRoot is the folder holding go.work, above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test")
		}
		dir = parent
	}
}
