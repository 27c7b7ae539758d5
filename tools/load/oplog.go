package load

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Entry is one line of the operation log: a client operation, a saga
// followed to its end, or a fault, with its window and result. Reading the
// log in time order replays a run: what was asked, what broke, what came
// back.
type Entry struct {
	Op       Op        `json:"op"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Result   string    `json:"result"`           // ok, error, skipped; a final status for OpSaga; the kind for OpFault
	Status   int       `json:"status,omitempty"` // the last HTTP status, 0 for none
	Customer string    `json:"customer,omitempty"`
	OrderID  string    `json:"order_id,omitempty"`
	Card     string    `json:"card,omitempty"`
	Target   string    `json:"target,omitempty"` // what a fault hit
	Error    string    `json:"error,omitempty"`
}

// OpLog writes Entries as JSON lines; it is safe for concurrent use, so a
// fault injector can write to the log the generator writes.
type OpLog struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

// NewOpLog writes the log to w; call Flush before closing w.
func NewOpLog(w io.Writer) *OpLog {
	return &OpLog{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write appends e. A write error is kept and returned by Flush.
func (l *OpLog) Write(e Entry) {
	if l == nil {
		return
	}
	b, err := json.Marshal(e)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	if err == nil {
		b = append(b, '\n')
		_, err = l.w.Write(b)
	}
	l.err = err
}

// Flush writes what is buffered and returns the first error met.
func (l *OpLog) Flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return fmt.Errorf("operation log: %w", l.err)
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("operation log: %w", err)
	}
	return nil
}

// ReadOpLog parses an operation log, for checks and replays.
func ReadOpLog(r io.Reader) ([]Entry, error) {
	dec := json.NewDecoder(r)
	var out []Entry
	for dec.More() {
		var e Entry
		if err := dec.Decode(&e); err != nil {
			return out, fmt.Errorf("operation log line %d: %w", len(out)+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}
