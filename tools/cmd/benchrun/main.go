// Command benchrun measures `make run`: the time from starting the launcher
// (binaries already built) until it reports every service ready, median of
// several runs, and the memory of the whole running stack at rest.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 5, "launcher starts to take the median of")
	rest := flag.Duration("rest", 5*time.Second, "how long the stack idles before its memory is read")
	flag.Parse()
	if err := run(*runs, *rest); err != nil {
		log.Fatalf("benchrun: %v", err)
	}
}

func run(runs int, rest time.Duration) error {
	data, err := os.MkdirTemp("", "eventshop-benchrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	if err := os.Chmod(data, 0o755); err != nil {
		return err
	}
	var times []float64
	var memMB float64
	for i := range runs {
		took, mem, err := once(data, rest, i == runs-1)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(os.Stderr, "run %d: ready in %.2fs\n", i+1, took.Seconds())
		times = append(times, took.Seconds())
		if mem > 0 {
			memMB = mem
		}
	}
	slices.Sort(times)
	fmt.Printf("ready_s=%.2f\n", times[len(times)/2])
	fmt.Printf("stack_rss_mb=%.0f\n", memMB)
	return nil
}

// once starts the launcher on data, waits for its ready line, optionally
// measures memory after rest, and stops it with SIGINT.
func once(data string, rest time.Duration, measure bool) (time.Duration, float64, error) {
	cmd := exec.Command(filepath.Join("bin", "launcher"))
	cmd.Env = append(os.Environ(), "EVENTSHOP_DATA_DIR="+data)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer stop(cmd)
	if err := waitReadyLine(out, 2*time.Minute); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	if !measure {
		return took, 0, nil
	}
	time.Sleep(rest) // let start-up garbage be collected: "at rest"
	mb, err := treePSS(cmd.Process.Pid)
	return took, mb, err
}

func waitReadyLine(out interface{ Read([]byte) (int, error) }, timeout time.Duration) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "eventshop is running") {
				found <- nil
				for sc.Scan() { // keep draining so the launcher never blocks on output
				}
				return
			}
		}
		found <- fmt.Errorf("launcher exited before it was ready")
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("not ready within %s", timeout)
	}
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// treePSS sums the proportional set size of pid and all its descendants, in
// MB: shared pages (PostgreSQL's shared buffers) are counted once in total
// rather than once per process, which summing RSS would do.
func treePSS(pid int) (float64, error) {
	var kb int64
	for _, p := range descendants(pid) {
		kb += pssKB(p)
	}
	return float64(kb) / 1024, nil
}

func descendants(root int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		if ppid := parentOf(pid); ppid > 0 {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out, queue := []int{}, []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may contain spaces.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ppid int
	if len(fields) > 1 {
		_, _ = fmt.Sscan(fields[1], &ppid)
	}
	return ppid
}

func pssKB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Pss:") {
			var kb int64
			_, _ = fmt.Sscan(strings.Fields(sc.Text())[1], &kb)
			return kb
		}
	}
	return 0
}
