// Command schemas-check is the registry's compatibility gate: for every event,
// each version must be compatible with the previous version of the same major
// line (see package compat and schemas/README.md), and the valid examples of
// each must validate against the other. It exits non-zero on any breaking
// change, naming the event and the field.
//
// Run it from the schemas module: go run ./cmd/schemas-check [-examples dir].
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	examples := flag.String("examples", "examples", "directory with <type>/valid-*.json example payloads")
	flag.Parse()
	if err := run(os.Stdout, *examples); err != nil {
		fmt.Fprintln(os.Stderr, "schemas-check:", err)
		os.Exit(1)
	}
}

// run checks the embedded registry and prints one line per finding.
func run(w io.Writer, examplesDir string) error {
	versions, err := registryVersions(examplesDir)
	if err != nil {
		return err
	}
	if failures := check(w, versions); failures > 0 {
		return fmt.Errorf("%d breaking change(s)", failures)
	}
	return nil
}
