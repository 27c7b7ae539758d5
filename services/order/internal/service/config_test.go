package service_test

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/services/order/internal/service"
)

// TestLoadConfig checks the defaults and that the database URL is required.
func TestLoadConfig(t *testing.T) {
	defaults := service.Config{
		HTTPAddr: ":8081", DatabaseURL: "postgres://db",
		InventoryURL: "http://127.0.0.1:8082", InventoryTimeout: 2 * time.Second,
		SagaTimeout: 30 * time.Second, IdempotencyKeyTTL: 24 * time.Hour,
		TracesQueryTimeout: 2 * time.Second, InboxRetention: inbox.DefaultRetention, Common: commonDefaults,
	}
	shorter := defaults
	shorter.SagaTimeout, shorter.HTTPAddr = 5*time.Second, ":9000"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		want    service.Config
	}{
		{name: "database url missing", wantErr: true},
		{name: "defaults", env: map[string]string{"DATABASE_URL": "postgres://db"}, want: defaults},
		{
			name: "overrides",
			env:  map[string]string{"DATABASE_URL": "postgres://db", "SAGA_TIMEOUT": "5s", "HTTP_ADDR": ":9000"},
			want: shorter,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// t.Setenv restores the variable afterwards; unset it so that
			// "required" sees it missing.
			t.Setenv(service.Prefix+"DATABASE_URL", "")
			if err := os.Unsetenv(service.Prefix + "DATABASE_URL"); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.env {
				t.Setenv(service.Prefix+k, v)
			}
			got, err := service.LoadConfig()
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadConfig() error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("LoadConfig() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// commonDefaults is what every service reads when NATS_URL, LOG_FORMAT,
// CONSUMER_* and JWT_* are not set.
var commonDefaults = startup.Common{
	NATSURL: "nats://127.0.0.1:4222", StreamReplicas: 1, LogFormat: "text",
	Redelivery: bus.Redelivery{
		MaxDeliver:       5,
		Backoff:          []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second},
		OutageBackoffMax: 30 * time.Second,
	},
	Auth: auth.Config{Issuer: "eventshop", Audience: "eventshop-api"},
}
