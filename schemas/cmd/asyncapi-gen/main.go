// Command asyncapi-gen writes asyncapi.json (the AsyncAPI 3.0 document of
// every event) and docs/events.md (the event catalogue) from the registry.
// Run it from the schemas module: go run ./cmd/asyncapi-gen [-dir .].
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eventshop/eventshop/schemas/internal/asyncapi"
)

func main() {
	dir := flag.String("dir", ".", "schemas module root")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "asyncapi-gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	doc, err := asyncapi.Document()
	if err != nil {
		return err
	}
	md, err := asyncapi.Catalogue(os.DirFS(dir))
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{asyncAPIFile: doc, catalogueFile: md} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// The generated files, relative to the schemas module root: the catalogue
// goes to the repository's docs with the rest of the documentation.
var (
	asyncAPIFile  = "asyncapi.json"
	catalogueFile = filepath.Join("..", "docs", "events.md")
)
