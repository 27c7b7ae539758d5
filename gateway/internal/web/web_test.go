package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEveryReferencedAssetIsEmbedded checks that every script and
// stylesheet the page names, and every module a script imports, is in the
// embedded files: with no build step, a typo here is a blank page.
func TestEveryReferencedAssetIsEmbedded(t *testing.T) {
	static, err := fs.Sub(files, "static")
	if err != nil {
		t.Fatal(err)
	}
	index, err := fs.ReadFile(static, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/ui/([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d assets under /ui/, want the stylesheet and the app", len(refs))
	}
	for _, r := range refs {
		if _, err := fs.Stat(static, r[1]); err != nil {
			t.Errorf("index.html names /ui/%s: %v", r[1], err)
		}
	}
	imports := regexp.MustCompile(`from "\./([^"]+)"`)
	scripts, err := fs.Glob(static, "js/*.js")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts embedded: %v", err)
	}
	for _, name := range scripts {
		src, err := fs.ReadFile(static, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			if _, err := fs.Stat(static, "js/"+m[1]); err != nil {
				t.Errorf("%s imports ./%s: %v", name, m[1], err)
			}
		}
		if strings.Contains(string(src), "innerHTML") {
			t.Errorf("%s sets innerHTML; the pages build elements with textContent", name)
		}
	}
}
