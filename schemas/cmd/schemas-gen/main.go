// Command schemas-gen writes types_gen.go, the Go payload types and event type
// constants of the registry, from the JSON Schemas. Run it from the schemas
// module: go run ./cmd/schemas-gen [-dir .] [-out types_gen.go].
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eventshop/eventshop/schemas/internal/gogen"
)

func main() {
	dir := flag.String("dir", ".", "schemas module root")
	out := flag.String("out", "types_gen.go", "output file, relative to -dir unless absolute")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "schemas-gen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	src, err := gogen.Generate(os.DirFS(dir))
	if err != nil {
		return err
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(dir, out)
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
