package testkit

import (
	"fmt"
	"net/http"
	"time"
)

// WaitReady waits until base's /readyz answers 200: a service serves
// /healthz at once and becomes ready only once its database and NATS are
// there and prepared, which tests must wait for before they use it.
func WaitReady(t TB, base string, timeout time.Duration) {
	t.Helper()
	EventuallyErr(t, timeout, func() error { return Status(base+"/readyz", http.StatusOK) })
}

// Status is nil when GET url answers want, and says what it answered
// otherwise.
func Status(url string, want int) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		return fmt.Errorf("GET %s: %s, want %d", url, res.Status, want)
	}
	return nil
}
