package auth

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// BearerToken extracts the token from an "Authorization: Bearer <token>"
// header value. ok is false when the header is absent; a present header with
// another scheme or no token yields ok true and an empty token.
func BearerToken(header string) (token string, ok bool) {
	if header == "" {
		return "", false
	}
	scheme, tok, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// unauthorized is the error the middleware returns for a missing or invalid
// token; the HTTP error handler renders it as a 401 problem.
func unauthorized(c echo.Context, detail string) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="eventshop"`)
	return echo.NewHTTPError(http.StatusUnauthorized, detail)
}

// Middleware verifies the bearer token when the request has one and stores the
// identity in the request's context (read it with FromContext). A request
// without an Authorization header passes through anonymous; an invalid token
// is a 401 and the handler does not run. Use the Require* middlewares to
// demand an identity.
func Middleware(v *Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok, present := BearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
			if !present {
				return next(c)
			}
			if tok == "" {
				return unauthorized(c, "authorization header is not a bearer token")
			}
			req := c.Request()
			id, err := v.Verify(req.Context(), tok)
			if err != nil {
				return unauthorized(c, "invalid token")
			}
			c.SetRequest(req.WithContext(WithIdentity(req.Context(), id)))
			return next(c)
		}
	}
}

// RequireCustomer lets only customers through: 401 without an identity, 403
// for any other role.
func RequireCustomer() echo.MiddlewareFunc { return require(RoleCustomer) }

// RequireAdmin lets only admins through: 401 without an identity, 403 for
// any other role.
func RequireAdmin() echo.MiddlewareFunc { return require(RoleAdmin) }

// RequireAny lets any verified identity through (customer or admin) and
// answers 401 to anonymous requests.
func RequireAny() echo.MiddlewareFunc { return require(RoleCustomer, RoleAdmin) }

func require(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, ok := FromContext(c.Request().Context())
			if !ok {
				return unauthorized(c, "authentication required")
			}
			for _, r := range roles {
				if id.Role == r {
					return next(c)
				}
			}
			return echo.NewHTTPError(http.StatusForbidden, "role "+id.Role+" may not do this")
		}
	}
}
