// Package inbox is a fixture: a shared package that keeps state in a
// package variable and imports a package of its own tier.
package inbox

import (
	"errors"

	"github.com/eventshop/eventshop/pkg/outbox"
)

// ErrSeen is a sentinel error, which the rule allows.
var ErrSeen = errors.New("seen")

// seen is mutable state shared by the whole process.
var seen = map[string]bool{}

// Record marks id seen.
func Record(id string) { seen[id] = true; outbox.Wake() }
