package page

import (
	"fmt"
	"time"
)

// TimeKey is the key of an item in a list ordered by (time, id), the usual
// order of a list of things that happened: time alone is not unique.
func TimeKey(t time.Time, id string) []string {
	return []string{t.UTC().Format(time.RFC3339Nano), id}
}

// ParseTimeKey reads a key TimeKey made; anything else is an error wrapping
// ErrInvalid.
func ParseTimeKey(key []string) (time.Time, string, error) {
	if len(key) != 2 || key[1] == "" {
		return time.Time{}, "", fmt.Errorf("%w: cursor is not one this list returned", ErrInvalid)
	}
	t, err := time.Parse(time.RFC3339Nano, key[0])
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: cursor is not one this list returned", ErrInvalid)
	}
	return t, key[1], nil
}
