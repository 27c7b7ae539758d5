package startup

import (
	"errors"
	"fmt"
	"os"
)

// DevelopmentSecret is the JWT secret docker-compose.yml falls back to when
// EVENTSHOP_JWT_SECRET is unset. It is published with the code, so anyone
// can sign tokens with it: fine on a laptop, an open door anywhere else.
const DevelopmentSecret = "local-only-jwt-secret-change-me"

// EnvVar names the variable that says where a binary runs. It is the one
// setting every binary reads without its service prefix, since it describes
// the machine, not the service.
const EnvVar = "EVENTSHOP_ENV"

// Local is the value of EnvVar on a developer's machine (make run, docker
// compose, the tests): the only place the development secret is accepted.
const Local = "local"

// ErrDevelopmentSecret means the binary was given DevelopmentSecret outside
// a developer's machine.
var ErrDevelopmentSecret = errors.New("the JWT secret is the published development default")

// checkSecret refuses DevelopmentSecret unless EnvVar says the binary runs
// locally. secretVar is the variable that holds the secret, for the message.
func checkSecret(secret, secretVar string) error {
	if secret != DevelopmentSecret || os.Getenv(EnvVar) == Local {
		return nil
	}
	return refusal{secretVar: secretVar}
}

// refusal is ErrDevelopmentSecret told in one line an operator can act on:
// which variable to change, and how to say the machine is a developer's.
type refusal struct{ secretVar string }

func (r refusal) Error() string {
	return fmt.Sprintf("refusing to start: %s is the published development default; set %s to a secret of your own, or set %s=%s on a developer's machine",
		r.secretVar, r.secretVar, EnvVar, Local)
}

// Is makes errors.Is(err, ErrDevelopmentSecret) hold.
func (refusal) Is(target error) bool { return target == ErrDevelopmentSecret }
