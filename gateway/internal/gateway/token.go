package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/problem"
)

// tokenResponse is the OAuth 2.0 shaped answer of the development issuer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// issueToken answers POST /api/v1/auth/token {"username":"alice"} while the
// development issuer is on; otherwise the route does not exist.
func (g *Gateway) issueToken(c echo.Context) error {
	if g.issuer == nil {
		return problem.NotFound("the development token issuer is disabled")
	}
	var body struct {
		Username string `json:"username"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
		return problem.BadRequest(`body must be {"username":"<name>"}`)
	}
	tok, err := g.issuer.Token(body.Username)
	if errors.Is(err, auth.ErrUnknownUser) {
		return problem.Unauthorized("unknown user")
	}
	if err != nil {
		return fmt.Errorf("issue token: %w", err)
	}
	return c.JSON(http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(g.issuer.TTL().Seconds())})
}
