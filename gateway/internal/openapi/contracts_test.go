package openapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestListsDocumentTheirPages checks that every paged list declares its
// page parameters and the next_cursor of its answer.
func TestListsDocumentTheirPages(t *testing.T) {
	t.Parallel()
	raw, err := openapi.Document(routes.Table)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]any `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	lists := []string{"/api/v1/products", "/api/v1/orders", "/api/v1/notifications", "/api/v1/admin/inventory", "/api/v1/admin/payments", "/api/v1/admin/dlq"}
	for _, path := range lists {
		op := doc.Paths[path]["get"]
		var query []string
		for _, p := range op.Parameters {
			if p.In == "query" {
				query = append(query, p.Name)
			}
		}
		if !slices.Contains(query, "limit") || !slices.Contains(query, "cursor") {
			t.Errorf("GET %s query parameters %v, want limit and cursor", path, query)
		}
		if _, ok := op.Responses["2XX"].Content["application/json"].Schema.Properties["next_cursor"]; !ok {
			t.Errorf("GET %s: the answer's schema has no next_cursor", path)
		}
	}
}
