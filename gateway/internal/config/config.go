// Package config is the gateway's configuration, read from GATEWAY_*
// environment variables.
package config

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	pkgconfig "github.com/eventshop/eventshop/pkg/config"
)

// Prefix is the environment variable prefix of every gateway setting.
const Prefix = "GATEWAY_"

// Config is every gateway setting. Durations use Go syntax ("250ms", "10s").
type Config struct {
	HTTPAddr string `env:"HTTP_ADDR" envDefault:":8080"`
	// OrderURL and the other upstream URLs each name one replica's base
	// URL, or several replicas' separated by commas: requests are spread
	// over them.
	OrderURL        string `env:"ORDER_URL" envDefault:"http://localhost:8081"`
	InventoryURL    string `env:"INVENTORY_URL" envDefault:"http://localhost:8082"`
	PaymentURL      string `env:"PAYMENT_URL" envDefault:"http://localhost:8083"`
	NotificationURL string `env:"NOTIFICATION_URL" envDefault:"http://localhost:8084"`
	// NATSURL enables cache invalidation and the DLQ admin routes; empty disables both.
	NATSURL   string `env:"NATS_URL"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`
	// AccessLog logs one line per proxied request.
	AccessLog bool `env:"ACCESS_LOG" envDefault:"true"`
	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback);
	// empty serves nothing.
	PprofAddr string `env:"PPROF_ADDR" envDefault:""`

	// Auth is how bearer tokens are verified (JWT_SECRET, JWKS_URL,
	// JWT_ISSUER, JWT_AUDIENCE).
	Auth auth.Config
	// DevIssuer serves POST /api/v1/auth/token for alice, bob and admin.
	DevIssuer bool          `env:"DEV_ISSUER" envDefault:"false"`
	TokenTTL  time.Duration `env:"TOKEN_TTL" envDefault:"1h"`

	Rate Rate `envPrefix:"RATE_"`
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`

	// CacheTTL is how long a catalogue response is served from memory; 0 disables the cache.
	CacheTTL        time.Duration `env:"CACHE_TTL" envDefault:"30s"`
	CacheMaxEntries int           `env:"CACHE_MAX_ENTRIES" envDefault:"1024"`
	CacheMaxBytes   int           `env:"CACHE_MAX_BYTES" envDefault:"16777216"`

	// BreakerFailures consecutive failures open an upstream's breaker for BreakerOpenTimeout.
	BreakerFailures    uint32        `env:"BREAKER_FAILURES" envDefault:"5"`
	BreakerOpenTimeout time.Duration `env:"BREAKER_OPEN_TIMEOUT" envDefault:"10s"`

	// ProbeInterval is how often the readiness of each replica of an
	// upstream with several is asked; a replica found down gets no
	// requests until a probe finds it ready again.
	ProbeInterval time.Duration `env:"PROBE_INTERVAL" envDefault:"1s"`

	// UpstreamTimeout, when positive, replaces every route's own timeout.
	UpstreamTimeout time.Duration `env:"UPSTREAM_TIMEOUT" envDefault:"0s"`

	// UpstreamPoolOff proxies on http.Transport alone instead of the
	// gateway's own pool of upstream connections (proxy.Pool) on it: the
	// plain version the pool is measured against by make bench-gateway,
	// and a way back should the pool misbehave.
	UpstreamPoolOff bool `env:"UPSTREAM_POOL_OFF" envDefault:"false"`
	// TokenCacheOff verifies the signature of every request's token
	// instead of remembering verified tokens for up to a minute: the plain
	// version the cache is measured against.
	TokenCacheOff bool `env:"TOKEN_CACHE_OFF" envDefault:"false"`

	// BodyLimit is the largest request body forwarded upstream, in bytes.
	BodyLimit int64 `env:"BODY_LIMIT" envDefault:"65536"`

	// TLSCertFile and TLSKeyFile, both set, serve HTTPS with HTTP/2
	// negotiated; unset, the gateway serves plain HTTP/1.1.
	TLSCertFile string `env:"TLS_CERT_FILE"`
	TLSKeyFile  string `env:"TLS_KEY_FILE"`
	Limits      Limits
	// CORSOrigins are the origins allowed to call the API from a browser; empty sends no CORS headers.
	CORSOrigins []string `env:"CORS_ORIGINS" envSeparator:","`
}

// Limits bound what one client connection may cost. Zero values take the
// defaults.
type Limits struct {
	// ReadHeaderTimeout is how long a client may take to send a request's
	// head; a silent or trickling connection is closed after it.
	ReadHeaderTimeout time.Duration `env:"READ_HEADER_TIMEOUT" envDefault:"10s"`
	// BodyTimeout is how long a client may take to send a request's body.
	BodyTimeout time.Duration `env:"BODY_TIMEOUT" envDefault:"10s"`
	// WriteTimeout bounds the writing of a plain answer to the client
	// (event streams have none).
	WriteTimeout time.Duration `env:"WRITE_TIMEOUT" envDefault:"30s"`
	// IdleTimeout closes a keep-alive connection quiet for this long.
	IdleTimeout time.Duration `env:"IDLE_TIMEOUT" envDefault:"120s"`
}

// Rate holds the token-bucket budgets per route class. RPS <= 0 turns a
// class's limit off; Off turns every limit off (load tests, end-to-end runs).
type Rate struct {
	Off        bool    `env:"LIMIT_OFF" envDefault:"false"`
	AuthRPS    float64 `env:"AUTH_RPS" envDefault:"1"`
	AuthBurst  int     `env:"AUTH_BURST" envDefault:"10"`
	ReadRPS    float64 `env:"READ_RPS" envDefault:"50"`
	ReadBurst  int     `env:"READ_BURST" envDefault:"100"`
	WriteRPS   float64 `env:"WRITE_RPS" envDefault:"10"`
	WriteBurst int     `env:"WRITE_BURST" envDefault:"20"`
	AdminRPS   float64 `env:"ADMIN_RPS" envDefault:"20"`
	AdminBurst int     `env:"ADMIN_BURST" envDefault:"40"`
	MaxKeys    int     `env:"MAX_KEYS" envDefault:"100000"`
	// Replicas is how many gateways share the budgets above: each applies
	// its share (RPS and burst divided by Replicas), so that N gateways
	// behind a balancer never allow more than the configured budget. 0 or
	// 1: this gateway has the whole budget.
	Replicas  int           `env:"REPLICAS" envDefault:"1"`
	IdleAfter time.Duration `env:"IDLE_AFTER" envDefault:"10m"`
}

// Load reads the configuration from the environment.
func Load() (Config, error) {
	var cfg Config
	if err := pkgconfig.Load(Prefix, &cfg); err != nil {
		return Config{}, err
	}
	if _, err := cfg.TrustedPrefixes(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// TrustedPrefixes parses TrustedProxies.
func (c Config) TrustedPrefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("parse trusted proxy %q: %w", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}
