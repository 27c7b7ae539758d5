// Command asyncapi-gen writes asyncapi.json (the AsyncAPI 3.0 document of
// every event) and EVENTS.md (the event catalogue) from the registry. Run it
// from the schemas module: go run ./cmd/asyncapi-gen [-dir .].
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
	for name, data := range map[string][]byte{"asyncapi.json": doc, "EVENTS.md": md} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
