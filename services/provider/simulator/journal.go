package simulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// journalFile is the name of the journal inside Config.DataDir.
const journalFile = "journal.jsonl"

// entry is one line of the journal: an authorization's state after a
// change, and for an authorize call the request and outcome recorded for
// its idempotency key. A decline has a Request and no Authorization; a
// capture or void has an Authorization only.
type entry struct {
	Request       *AuthorizeRequest `json:"request,omitempty"`
	Declined      bool              `json:"declined,omitempty"`
	Authorization *Authorization    `json:"authorization,omitempty"`
}

// journal is an append-only JSON-lines file of entries, replayed at start,
// so that the simulator answers the same after a restart as a real provider
// does. One simulator at a time may use a directory.
type journal struct {
	f      *os.File
	broken error // set by a failed write: the file's tail is then unknown
}

// openJournal replays the journal in dir, creating both when missing, and
// returns it open for appending with the entries it holds. A last line cut
// short by a crash mid-write was never acknowledged: it is logged and cut
// off. A bad line anywhere else is an error, since the file is then not
// what the simulator wrote.
func openJournal(dir string, log *slog.Logger) (*journal, []entry, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, journalFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	entries, good, err := readEntries(f)
	if err == nil {
		err = cutTail(f, good, log)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("replay journal %s: %w", path, err)
	}
	return &journal{f: f}, entries, nil
}

// readEntries decodes every complete line of r and returns the entries and
// the length of the well-formed prefix. Only the last line may be bad.
func readEntries(r io.Reader) ([]entry, int64, error) {
	br := bufio.NewReader(r)
	var (
		entries []entry
		good    int64
	)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return entries, good, nil // a line without '\n' is a cut-off write
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read: %w", err)
		}
		var e entry
		if jerr := json.Unmarshal(bytes.TrimSpace(line), &e); jerr != nil {
			if _, perr := br.Peek(1); errors.Is(perr, io.EOF) {
				return entries, good, nil // the last line, garbled by a crash
			}
			return nil, 0, fmt.Errorf("line %d: %w", n, jerr)
		}
		entries = append(entries, e)
		good += int64(len(line))
	}
}

// cutTail truncates f to its well-formed prefix, so that the next append
// starts a line of its own, and leaves the offset at the end.
func cutTail(f *os.File, good int64, log *slog.Logger) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if info.Size() > good {
		log.Warn("ignoring a truncated last journal line",
			slog.String("file", f.Name()), slog.Int64("bytes", info.Size()-good))
		if err := f.Truncate(good); err != nil {
			return fmt.Errorf("truncate: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		return fmt.Errorf("seek: %w", err)
	}
	return nil
}

// syncDir makes the journal's directory entry durable, so a new journal
// file is not lost with the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}

// append writes e as one line. The caller answers only after append
// returns nil, and a write survives a SIGKILL of the process, since the
// kernel holds the page. It is not fsynced: a simulator need not survive the
// machine's power loss, and one fsync per change (3.1 ms against 0.23 ms
// here, one change at a time) would cap the whole platform at about 160
// orders a second. After a failed write the journal refuses every further
// one, since its tail is unknown until a restart replays it.
func (j *journal) append(e entry) error {
	if j.broken != nil {
		return j.broken
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode journal entry: %w", err)
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		j.broken = fmt.Errorf("write journal: %w", err)
		return j.broken
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }
