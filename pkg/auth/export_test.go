package auth

import "time"

// SetClock replaces the clock the verifier's key set uses to rate-limit refreshes.
func SetClock(v *Verifier, now func() time.Time) { v.keys.now = now }
