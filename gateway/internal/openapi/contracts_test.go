package openapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/openapi"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/schemas"
)

// contracts is tools/contracts, the pinned Node check, from this package.
var contracts = filepath.Join("..", "..", "..", "tools", "contracts")

// TestContractDocumentsPassTheirTools loads the two documents the gateway
// serves with the tools people use on them: the official AsyncAPI parser
// must report no error, Redocly CLI's recommended lint neither.
func TestContractDocumentsPassTheirTools(t *testing.T) {
	t.Parallel()
	node := requireNode(t)
	doc, err := openapi.Document(routes.Table)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	openAPIFile := filepath.Join(dir, "openapi.json")
	asyncAPIFile := filepath.Join(dir, "asyncapi.json")
	for file, data := range map[string][]byte{openAPIFile: doc, asyncAPIFile: schemas.AsyncAPI()} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(contracts, "check.mjs"), "--asyncapi", asyncAPIFile, "--openapi", openAPIFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("contract check failed (%v):\n%s", err, out)
	}
	t.Logf("%s", out)
}

// requireNode finds node and the check's installed packages. Without them
// the test is skipped, except in CI, whose set-up installs both.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := "node is not installed"
	if err == nil {
		if _, err = os.Stat(filepath.Join(contracts, "node_modules", "@redocly", "cli")); err == nil {
			return node
		}
		missing = "tools/contracts has no node_modules: run `npm ci` there (make contracts)"
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: .ci/run installs it", missing)
	}
	t.Skip(missing)
	return ""
}
