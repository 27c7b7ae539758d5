package provider_test

import (
	"errors"
	"testing"

	"github.com/eventshop/eventshop/services/payment/internal/adapters/provider"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/provider/simulator"
)

func TestCaptureAndVoid(t *testing.T) {
	t.Parallel()
	type op func(c *provider.Client, id string) error
	capture := func(c *provider.Client, id string) error { return c.Capture(t.Context(), id, 4200) }
	void := func(c *provider.Client, id string) error { return c.Void(t.Context(), id) }
	tests := []struct {
		name         string
		ops          []op
		wantErrs     []error
		wantStatus   simulator.Status
		wantCaptures int
	}{
		{"capture twice captures once", []op{capture, capture}, []error{nil, nil}, simulator.StatusCaptured, 1},
		{"void twice", []op{void, void}, []error{nil, nil}, simulator.StatusVoided, 0},
		{"capture after void conflicts", []op{void, capture}, []error{nil, command.ErrProviderConflict}, simulator.StatusVoided, 0},
		{"void after capture conflicts", []op{capture, void}, []error{nil, command.ErrProviderConflict}, simulator.StatusCaptured, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, url := startSimulator(t, simulator.Config{})
			c := provider.New(fastConfig(url))
			id, err := c.Authorise(t.Context(), request("order", simulator.TokenVisa))
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range tt.ops {
				if err := o(c, id); !errors.Is(err, tt.wantErrs[i]) {
					t.Fatalf("op %d: err = %v, want %v", i, err, tt.wantErrs[i])
				}
			}
			got := sim.Authorizations()[0]
			if got.Status != tt.wantStatus || got.Captures != tt.wantCaptures {
				t.Errorf("provider has %s with %d captures, want %s with %d", got.Status, got.Captures, tt.wantStatus, tt.wantCaptures)
			}
		})
	}
}

func TestCaptureUnknownIsRejected(t *testing.T) {
	t.Parallel()
	_, url := startSimulator(t, simulator.Config{})
	c := provider.New(fastConfig(url))
	if err := c.Capture(t.Context(), "auth_missing", 0); !errors.Is(err, command.ErrProviderRejected) {
		t.Fatalf("err = %v, want rejected", err)
	}
}
