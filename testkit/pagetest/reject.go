package pagetest

import (
	"net/http"
	"testing"
)

// problemType is the content type of an RFC 9457 problem answer.
const problemType = "application/problem+json"

// RejectsBadRequests asks the list at url (no query) with each of queries,
// as the holder of token, and fails unless every answer is a 400 problem:
// a limit out of bounds or not a number, a cursor that is not one the list
// gave out.
func RejectsBadRequests(t *testing.T, url, token string, queries ...string) {
	t.Helper()
	for _, query := range queries {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != problemType {
			t.Errorf("?%s: status %d, content type %q; want a 400 problem", query, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
