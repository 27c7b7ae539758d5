package simulator

import (
	"encoding/json"
	"errors"
	"net/http"
)

// writeResult answers with the authorization or maps err to a problem.
func writeResult(w http.ResponseWriter, auth Authorization, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, auth)
	case errors.Is(err, ErrNotFound):
		writeProblem(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrConflict):
		writeProblem(w, http.StatusConflict, "authorization is "+string(auth.Status))
	case errors.Is(err, ErrAmount):
		writeProblem(w, http.StatusUnprocessableEntity, err.Error())
	default:
		writeProblem(w, http.StatusInternalServerError, err.Error())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}

// writeProblem answers with an RFC 9457 problem body.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":   "about:blank",
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	})
}

// statusRecorder remembers the status code written, for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
