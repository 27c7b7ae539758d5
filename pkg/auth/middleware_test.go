package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
)

func TestIssuer(t *testing.T) {
	t.Parallel()
	v := hsVerifier(t)
	is := auth.NewIssuer(auth.Config{Secret: secret}, 0)
	if is.TTL() != time.Hour {
		t.Errorf("default TTL = %v, want 1h", is.TTL())
	}
	tests := []struct {
		user string
		want auth.Identity
		err  error
	}{
		{"alice", auth.Identity{Subject: "alice", Role: "customer"}, nil},
		{"bob", auth.Identity{Subject: "bob", Role: "customer"}, nil},
		{"admin", auth.Identity{Subject: "admin", Role: "admin"}, nil},
		{"mallory", auth.Identity{}, auth.ErrUnknownUser},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			tok, err := is.Token(tt.user)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Token err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got, err := v.Verify(t.Context(), tok)
			if err != nil || got != tt.want {
				t.Fatalf("Verify = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestIssuerWithoutSecret(t *testing.T) {
	t.Parallel()
	if _, err := auth.NewIssuer(auth.Config{}, time.Minute).Token("alice"); !errors.Is(err, auth.ErrNoKey) {
		t.Fatalf("Token without secret: err = %v, want ErrNoKey", err)
	}
}

// serve runs one request through Middleware, the given requirement and a
// handler that records the identity it saw.
func serve(t *testing.T, require echo.MiddlewareFunc, authz string) (status int, seen *auth.Identity) {
	t.Helper()
	e := echo.New()
	e.Use(auth.Middleware(hsVerifier(t)))
	h := func(c echo.Context) error {
		id, ok := auth.FromContext(c.Request().Context())
		if ok {
			seen = &id
		} else {
			seen = &auth.Identity{}
		}
		return c.NoContent(http.StatusNoContent)
	}
	if require != nil {
		e.GET("/", h, require)
	} else {
		e.GET("/", h)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, seen
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	is := auth.NewIssuer(auth.Config{Secret: secret}, time.Minute)
	alice, _ := is.Token("alice")
	admin, _ := is.Token("admin")
	tests := []struct {
		name    string
		require echo.MiddlewareFunc
		authz   string
		status  int
		subject string // "" = handler ran anonymous; "-" = handler did not run
	}{
		{"anonymous open route", nil, "", 204, ""},
		{"customer open route", nil, "Bearer " + alice, 204, "alice"},
		{"invalid token open route", nil, "Bearer garbage", 401, "-"},
		{"basic scheme", nil, "Basic YWxpY2U6eA==", 401, "-"},
		{"bearer without token", nil, "Bearer ", 401, "-"},
		{"anonymous customer route", auth.RequireCustomer(), "", 401, "-"},
		{"customer customer route", auth.RequireCustomer(), "Bearer " + alice, 204, "alice"},
		{"admin customer route", auth.RequireCustomer(), "Bearer " + admin, 403, "-"},
		{"customer admin route", auth.RequireAdmin(), "Bearer " + alice, 403, "-"},
		{"admin admin route", auth.RequireAdmin(), "Bearer " + admin, 204, "admin"},
		{"anonymous any route", auth.RequireAny(), "", 401, "-"},
		{"customer any route", auth.RequireAny(), "Bearer " + alice, 204, "alice"},
		{"admin any route", auth.RequireAny(), "Bearer " + admin, 204, "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, seen := serve(t, tt.require, tt.authz)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			switch {
			case tt.subject == "-" && seen != nil:
				t.Errorf("handler ran with %+v, want it not to run", *seen)
			case tt.subject != "-" && seen == nil:
				t.Error("handler did not run")
			case tt.subject != "-" && seen.Subject != tt.subject:
				t.Errorf("subject = %q, want %q", seen.Subject, tt.subject)
			}
		})
	}
}
