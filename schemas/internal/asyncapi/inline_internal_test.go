package asyncapi

import (
	"strings"
	"testing"
)

func TestSelfContained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, want, err string
	}{
		{
			name:   "a reference becomes its definition, siblings kept, $defs dropped",
			schema: `{"type":"object","properties":{"a":{"$ref":"#/$defs/x","description":"d"}},"$defs":{"x":{"type":"string"}}}`,
			want:   `{"type":"object","properties":{"a":{"type":"string","description":"d"}}}`,
		},
		{
			name:   "nested definitions are expanded too",
			schema: `{"items":[{"$ref":"#/$defs/a"}],"$defs":{"a":{"properties":{"b":{"$ref":"#/$defs/b"}}},"b":{"type":"integer"}}}`,
			want:   `{"items":[{"properties":{"b":{"type":"integer"}}}]}`,
		},
		{
			name:   "a remote reference is left alone",
			schema: `{"$ref":"https://example.com/s.json"}`,
			want:   `{"$ref":"https://example.com/s.json"}`,
		},
		{name: "unknown definition", schema: `{"$ref":"#/$defs/missing"}`, err: "unresolvable $ref #/$defs/missing"},
		{name: "not into $defs", schema: `{"$ref":"#/properties/a"}`, err: "unresolvable $ref #/properties/a"},
		{name: "recursive definition", schema: `{"$ref":"#/$defs/n","$defs":{"n":{"items":{"$ref":"#/$defs/n"}}}}`, err: "recursive $ref #/$defs/n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := selfContained([]byte(tt.schema))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
