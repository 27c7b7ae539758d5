package startup_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/startup"
)

type cfg struct{ secret string }

// binary records which of its steps Start ran.
func binary(secret string, ran *[]string) startup.Binary[cfg] {
	return startup.Binary[cfg]{
		Name: "demo", Prefix: "DEMO_",
		Load: func() (cfg, error) { return cfg{secret: secret}, nil },
		Auth: func(c cfg) auth.Config { return auth.Config{Secret: c.secret} },
		Migrate: func(context.Context, cfg, *slog.Logger) error {
			*ran = append(*ran, "migrate")
			return nil
		},
		Run: func(context.Context, cfg, *slog.Logger) error {
			*ran = append(*ran, "run")
			return nil
		},
	}
}

func start(t *testing.T, b startup.Binary[cfg], args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := b.Start(t.Context(), args, slog.New(slog.NewTextHandler(&out, nil)))
	return code, out.String()
}

func TestStartRunsOrMigrates(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, "run"}, {[]string{"migrate"}, "migrate"}} {
		var ran []string
		code, _ := start(t, binary("a-secret-of-our-own", &ran), tc.args...)
		if code != 0 || len(ran) != 1 || ran[0] != tc.want {
			t.Errorf("args %q: exit %d, ran %q; want 0 and %q", tc.args, code, ran, tc.want)
		}
	}
}

func TestStartRefusesUnknownArguments(t *testing.T) {
	var ran []string
	code, log := start(t, binary("a-secret-of-our-own", &ran), "serve")
	if code != 1 || len(ran) != 0 || !strings.Contains(log, `unknown arguments`) {
		t.Errorf("exit %d, ran %q, log %q; want 1, nothing run and the reason", code, ran, log)
	}
}

func TestStartRefusesTheDevelopmentSecretOutsideALocalMachine(t *testing.T) {
	t.Setenv(startup.EnvVar, "")
	var ran []string
	code, log := start(t, binary(startup.DevelopmentSecret, &ran))
	if code != 1 || len(ran) != 0 {
		t.Fatalf("exit %d, ran %q; want 1 and nothing run", code, ran)
	}
	for _, want := range []string{"refusing to start", "DEMO_JWT_SECRET", "EVENTSHOP_ENV=local"} {
		if !strings.Contains(log, want) {
			t.Errorf("log %q lacks %q", log, want)
		}
	}
	if n := strings.Count(strings.TrimSpace(log), "\n"); n != 0 {
		t.Errorf("the refusal took %d lines, want one:\n%s", n+1, log)
	}
}

func TestStartAcceptsTheDevelopmentSecretOnALocalMachine(t *testing.T) {
	t.Setenv(startup.EnvVar, startup.Local)
	var ran []string
	if code, log := start(t, binary(startup.DevelopmentSecret, &ran)); code != 0 || len(ran) != 1 {
		t.Errorf("exit %d, ran %q, log %q; want 0 and run", code, ran, log)
	}
}

func TestStartReportsAFailedRun(t *testing.T) {
	var ran []string
	b := binary("a-secret-of-our-own", &ran)
	b.Run = func(context.Context, cfg, *slog.Logger) error { return errors.New("database gone") }
	if code, log := start(t, b); code != 1 || !strings.Contains(log, "database gone") {
		t.Errorf("exit %d, log %q; want 1 and the error", code, log)
	}
}

// TestCommonIsLoggedInlineWithTheSecretMasked checks the start-up line of a
// configuration that embeds Common: its variables appear as the service's
// own, and the JWT secret never appears.
func TestCommonIsLoggedInlineWithTheSecretMasked(t *testing.T) {
	type serviceConfig struct {
		HTTPAddr string `env:"HTTP_ADDR"`
		startup.Common
	}
	c := serviceConfig{HTTPAddr: ":8081", Common: startup.Common{
		NATSURL: "nats://n:4222", Auth: auth.Config{Secret: "s3cr3t-value"}}}
	var out bytes.Buffer
	slog.New(slog.NewTextHandler(&out, nil)).Info("starting", slog.Any("config", config.LogValue(c)))
	line := out.String()
	for _, want := range []string{"config.HTTP_ADDR=:8081", "config.NATS_URL=nats://n:4222", "config.Auth.JWT_SECRET=*****"} {
		if !strings.Contains(line, want) {
			t.Errorf("start-up line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "s3cr3t-value") {
		t.Errorf("start-up line %q shows the secret", line)
	}
}
