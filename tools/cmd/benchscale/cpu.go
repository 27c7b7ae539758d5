package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
	"github.com/eventshop/eventshop/tools/stack"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, 100 on
// every Linux architecture Go builds for.
const userHZ = 100

// cpuByGroup is the CPU time used so far by each group of the platform's
// processes: each service (its replicas together), "nats" (every node),
// "ferretdb" and "postgres" (the postmaster and its backends). Linux only;
// elsewhere it is empty.
func cpuByGroup(p *scale.Platform, pgDataDir string) map[string]time.Duration {
	out := map[string]time.Duration{}
	add := func(group string, pid int) {
		if d, ok := procCPU(pid); ok {
			out[group] += d
		}
	}
	for name, proc := range p.Stack.Procs {
		add(stack.ServiceOf(name), proc.Pid())
	}
	for _, n := range p.Stack.NATSNodes {
		add("nats", n.Pid())
	}
	add("ferretdb", p.Stack.Ferret.Pid())
	if pm, ok := postmasterPID(pgDataDir); ok {
		add("postgres", pm)
		for _, child := range childrenOf(pm) {
			add("postgres", child)
		}
	}
	return out
}

// statFields returns the fields of /proc/pid/stat after the command name,
// the first being the state (field 3).
func statFields(pid int) ([]string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(s[i+1:]), true
}

// procCPU is the user and system time pid used.
func procCPU(pid int) (time.Duration, bool) {
	f, ok := statFields(pid)
	if !ok || len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// postmasterPID reads the postmaster's pid from its data directory.
func postmasterPID(dataDir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := statFields(child); ok && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// cpuPerOrder prints, for each group, the CPU milliseconds it used between
// two samples per order confirmed meanwhile.
func cpuPerOrder(prefix string, before, after map[string]time.Duration, orders int) {
	if orders == 0 {
		return
	}
	var total time.Duration
	for group, t := range after {
		d := t - before[group]
		total += d
		line(fmt.Sprintf("cpu_ms_per_order_%s_%s", prefix, group), fmt.Sprintf("%.2f", float64(d.Microseconds())/1000/float64(orders)))
	}
	line("cpu_ms_per_order_"+prefix+"_total", fmt.Sprintf("%.2f", float64(total.Microseconds())/1000/float64(orders)))
}
