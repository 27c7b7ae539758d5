package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat on Linux.
const userHZ = 100

// cpuSeconds is the user and system CPU time the processes in pids have
// used so far, threads included.
func cpuSeconds(pids []int) (float64, error) {
	var ticks int64
	for _, pid := range pids {
		f, err := statFields(pid)
		if err != nil {
			return 0, err
		}
		// utime and stime are fields 14 and 15; f starts at field 3.
		for _, i := range []int{11, 12} {
			n, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("pid %d stat: %w", pid, err)
			}
			ticks += n
		}
	}
	return float64(ticks) / userHZ, nil
}

// statFields are the fields of /proc/<pid>/stat after the command name,
// which may itself hold spaces: f[0] is the state (field 3).
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return nil, fmt.Errorf("pid %d: short stat %q", pid, s)
	}
	return f, nil
}

// children are the processes whose parent is pid: nginx's workers.
func children(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := statFields(child)
		if err != nil {
			continue // gone meanwhile
		}
		if f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out, nil
}

// cpuMeter measures the CPU time some processes spend over a stretch of
// work; the zero value, with no processes, measures nothing.
type cpuMeter struct {
	pids   []int
	before float64
}

// startCPU reads the CPU time pids have used so far.
func startCPU(pids []int) (cpuMeter, error) {
	if len(pids) == 0 {
		return cpuMeter{}, nil
	}
	before, err := cpuSeconds(pids)
	return cpuMeter{pids: pids, before: before}, err
}

// perRequest is the CPU time, in µs, used since startCPU divided by
// requests; 0 with no processes.
func (m cpuMeter) perRequest(requests float64) (float64, error) {
	if len(m.pids) == 0 || requests == 0 {
		return 0, nil
	}
	after, err := cpuSeconds(m.pids)
	if err != nil {
		return 0, err
	}
	return (after - m.before) * 1e6 / requests, nil
}
