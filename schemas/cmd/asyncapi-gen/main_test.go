package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRunWritesTheCommittedFiles(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	dir := filepath.Join(t.TempDir(), "schemas")
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(root, "examples"))); err != nil {
		t.Fatal(err)
	}
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{asyncAPIFile, catalogueFile} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("asyncapi-gen output differs from %s: run `go run ./cmd/asyncapi-gen`", name)
		}
	}
}

func TestRunFailsWithoutExamples(t *testing.T) {
	t.Parallel()
	if err := run(t.TempDir()); err == nil {
		t.Error("run without examples = nil error, want one")
	}
}
