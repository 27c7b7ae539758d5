package simulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// faulty wraps a provider route with the injected latency and failures and
// counts the answers. A failing call is answered before any state changes.
func (s *Simulator) faulty(op string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.requests.WithLabelValues(op, strconv.Itoa(rec.status)).Inc() }()
		latency, fail := s.faults.draw()
		if latency > 0 && !wait(r, latency) {
			rec.status = 499 // the client went away; nothing is written
			return
		}
		if fail {
			writeProblem(rec, http.StatusServiceUnavailable, "injected failure")
			return
		}
		next(rec, r)
	})
}

// wait pauses for d unless the request is cancelled first; it reports
// whether the full pause passed.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Simulator) authorize(w http.ResponseWriter, r *http.Request) {
	var req AuthorizeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeProblem(w, http.StatusBadRequest, "malformed JSON body")
		return
	}
	if msg := req.validate(); msg != "" {
		writeProblem(w, http.StatusBadRequest, msg)
		return
	}
	if req.CardToken == TokenTimeout {
		// Hold the call until the client gives up: the card never answers in time.
		if wait(r, s.holdLimit) {
			writeProblem(w, http.StatusGatewayTimeout, "card issuer did not answer")
		}
		return
	}
	auth, declined, replay, err := s.ledger.authorize(req)
	switch {
	case errors.Is(err, ErrIdempotencyMismatch):
		writeProblem(w, http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		writeProblem(w, http.StatusInternalServerError, err.Error())
	case declined:
		writeJSON(w, http.StatusPaymentRequired, Decline{Status: "declined", Reason: "card_declined"})
	default:
		if replay {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		writeJSON(w, http.StatusCreated, auth)
	}
}

// captureRequest is the optional body of a capture; zero captures the
// authorized amount.
type captureRequest struct {
	AmountCents int64 `json:"amount_cents"`
}

func (s *Simulator) capture(w http.ResponseWriter, r *http.Request) {
	var body captureRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeProblem(w, http.StatusBadRequest, "malformed JSON body")
			return
		}
	}
	auth, err := s.ledger.capture(r.PathValue("id"), body.AmountCents)
	writeResult(w, auth, err)
}

func (s *Simulator) void(w http.ResponseWriter, r *http.Request) {
	auth, err := s.ledger.void(r.PathValue("id"))
	writeResult(w, auth, err)
}

func (s *Simulator) get(w http.ResponseWriter, r *http.Request) {
	auth, err := s.ledger.get(r.PathValue("id"))
	writeResult(w, auth, err)
}

func (s *Simulator) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": s.ledger.list()})
}

func (s *Simulator) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.faults.get())
}

func (s *Simulator) setFaults(w http.ResponseWriter, r *http.Request) {
	var body faultsJSON
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, "malformed JSON body")
		return
	}
	f, err := body.apply(s.faults.get())
	if err == nil {
		err = s.faults.set(f)
	}
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, f)
}
