package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRunWritesTheCommittedFile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "types_gen.go")
	if err := run(filepath.Join("..", ".."), out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "types_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("schemas-gen output differs from types_gen.go: run `go run ./cmd/schemas-gen`")
	}
}

func TestRunFailsWithoutCatalog(t *testing.T) {
	t.Parallel()
	if err := run(t.TempDir(), "types_gen.go"); err == nil {
		t.Error("run in an empty directory = nil error, want one")
	}
}
