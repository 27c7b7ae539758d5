package deploycheck_test

import (
	"os/exec"
	"strings"
	"testing"
)

// testOnly are module paths only tests may import: a shipped binary that
// links one of them carries a test server into production.
var testOnly = []string{
	"github.com/eventshop/eventshop/testkit",
	"github.com/eventshop/eventshop/services/provider",
	"github.com/nats-io/nats-server/v2",
	"github.com/FerretDB/FerretDB",
}

// TestShippedBinariesLinkNoTestDependency guards the folded modules: each
// service's server-backed tests share its go.mod with the binary, so only
// the import graph keeps the test kit out of the binary.
func TestShippedBinariesLinkNoTestDependency(t *testing.T) {
	root := repoRoot(t)
	for name, m := range modules {
		if name == "provider" {
			continue
		}
		cmd := exec.Command("go", "list", "-deps", "./cmd/"+name)
		cmd.Dir = root + "/" + m.dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: go list -deps: %v\n%s", name, err, out)
		}
		for _, pkg := range strings.Fields(string(out)) {
			for _, mod := range testOnly {
				if pkg == mod || strings.HasPrefix(pkg, mod+"/") {
					t.Errorf("%s links %s, which only tests may import", name, pkg)
				}
			}
		}
	}
}
