package testkit_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/testkit"
)

// leakMode tells a re-executed test binary to act as TestCleanupChild.
const leakMode = "TESTKIT_LEAKCHECK_MODE"

// TestCleanupLeavesNothing runs a child test process that starts every
// server and then either ends normally (TestMain calls Main) or crashes.
// Either way no PostgreSQL server may survive it; after a normal end its
// temporary directory must be empty, and a crash's leftovers must be swept
// by the next process.
func TestCleanupLeavesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("servers die with a crashed parent only on Linux")
	}
	t.Parallel()
	tmp := sharedTempDir(t)

	crashed := runChild(t, tmp, "crash")
	testkit.Eventually(t, 30*time.Second, func() bool { return len(postmasters(t, crashed)) == 0 },
		"postgres for %s still running after its parent crashed", crashed)
	if entries, _ := os.ReadDir(tmp); len(entries) == 0 {
		t.Fatal("crashed child left no temporary files: the test cannot tell a sweep happened")
	}

	clean := runChild(t, tmp, "exit")
	if pids := postmasters(t, clean); len(pids) != 0 {
		t.Errorf("postgres for %s still running (pids %v) after its parent ended", clean, pids)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left after a clean end and a sweep: %v", names(entries))
	}
}

// TestCleanupChild starts every server; it runs only as a child of
// TestCleanupLeavesNothing.
func TestCleanupChild(t *testing.T) {
	mode := os.Getenv(leakMode)
	if mode == "" {
		t.Skip("runs only as the child of TestCleanupLeavesNothing")
	}
	if mode != "crash" { // an in-process server cannot outlive a crash, but its t.TempDir would
		testkit.NATS(t)
	}
	testkit.Mongo(t)
	conn, err := pgx.Connect(context.Background(), testkit.Postgres(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	var dataDir string
	if err := conn.QueryRow(context.Background(), "SHOW data_directory").Scan(&dataDir); err != nil {
		t.Fatalf("data directory: %v", err)
	}
	_ = conn.Close(context.Background())
	fmt.Printf("data_directory=%s\n", dataDir)
	if mode == "crash" {
		os.Exit(3) // skips every cleanup, as a panic or a kill would
	}
}

// runChild runs TestCleanupChild with TMPDIR=tmp and returns the PostgreSQL
// data directory it reported.
func runChild(t *testing.T, tmp, mode string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCleanupChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), leakMode+"="+mode, "TMPDIR="+tmp, "PG_URL=", "MONGO_URL=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if crashed := errors.As(err, &exit) && exit.ExitCode() == 3; err != nil && !(mode == "crash" && crashed) {
		t.Fatalf("child (%s): %v\n%s%s", mode, err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if dir, ok := strings.CutPrefix(sc.Text(), "data_directory="); ok {
			return dir
		}
	}
	t.Fatalf("child (%s) reported no data directory:\n%s%s", mode, out, stderr.Bytes())
	return ""
}

// postmasters returns the ids of postgres processes whose arguments name
// dataDir.
func postmasters(t *testing.T, dataDir string) []string {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatalf("list processes: %v", err)
	}
	var pids []string
	for _, path := range cmdlines {
		b, _ := os.ReadFile(path) // the process may be gone by now
		args := strings.Split(string(b), "\x00")
		if filepath.Base(args[0]) == "postgres" && containsArg(args, dataDir) {
			pids = append(pids, filepath.Base(filepath.Dir(path)))
		}
	}
	return pids
}

func containsArg(args []string, arg string) bool {
	for _, a := range args {
		if a == arg {
			return true
		}
	}
	return false
}

// sharedTempDir returns a temporary directory the postgres user can enter:
// when tests run as root the server runs as postgres, and t.TempDir is
// private to root.
func sharedTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "testkit-leakcheck-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("chmod: %v", err)
	}
	return dir
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
