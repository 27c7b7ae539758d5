package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas"
)

func TestRegistryPassesTheGate(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(&out, filepath.Join("..", "..", "examples")); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"ok   order.placed v1 -> v2\n", "1 version pair(s) compared, 0 breaking"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// fake builds a version of shop.thing from a compat fixture file.
func fake(t *testing.T, ver, major int, file string, examples map[string][]byte, validate func([]byte) error) version {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	typ := "shop.thing.v" + string(rune('0'+ver))
	return version{
		info:     schemas.Info{Type: typ, Name: "shop.thing", Version: ver, Major: major},
		raw:      raw,
		examples: examples,
		validate: validate,
	}
}

func TestCheckNamesEventAndField(t *testing.T) {
	t.Parallel()
	accept := func([]byte) error { return nil }
	reject := func([]byte) error { return errors.New("/channel: required field missing") }
	ex := map[string][]byte{"valid-basic.json": []byte(`{}`)}
	tests := []struct {
		name     string
		versions []version
		failures int
		want     []string
	}{
		{"compatible", []version{
			fake(t, 1, 1, "compatible/add-optional-field/old.json", ex, accept),
			fake(t, 2, 1, "compatible/add-optional-field/new.json", ex, accept),
		}, 0, []string{"ok   shop.thing v1 -> v2"}},
		{"required added", []version{
			fake(t, 1, 1, "incompatible/add-required/old.json", ex, accept),
			fake(t, 2, 1, "incompatible/add-required/new.json", ex, reject),
		}, 2, []string{
			"FAIL shop.thing v1 -> v2: /channel: required-added",
			"FAIL shop.thing v1 -> v2: example shop.thing.v1/valid-basic.json rejected by shop.thing.v2: /channel",
		}},
		{"new major line", []version{
			fake(t, 1, 1, "incompatible/add-required/old.json", ex, accept),
			fake(t, 2, 2, "incompatible/add-required/new.json", ex, reject),
		}, 0, []string{"starts major line 2, not compared"}},
		{"version gap", []version{
			fake(t, 1, 1, "compatible/add-optional-field/old.json", ex, accept),
			fake(t, 3, 1, "compatible/add-optional-field/new.json", ex, accept),
		}, 1, []string{"FAIL shop.thing: version v3 found where v2 was expected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if got := check(&out, tt.versions); got != tt.failures {
				t.Errorf("check = %d failures, want %d\n%s", got, tt.failures, out.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
