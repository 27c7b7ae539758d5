package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/tools/stack"
)

// clockTicks is the unit of the CPU times in /proc/<pid>/stat: USER_HZ,
// 100 on every Linux the platform runs on.
const clockTicks = 100

// cpuSeconds is the CPU time, user and system, the services, NATS,
// FerretDB and Jaeger have used so far. PostgreSQL (a process per
// connection) and this process (the clients, the sink) are not counted.
// On a shared machine the rate of orders moves with the neighbours' load;
// the CPU an order costs moves less, so it shows what tracing adds to the
// work per order. It reads /proc and so is 0 off Linux.
func (b *bench) cpuSeconds() float64 {
	procs := []*stack.Process{b.stack.NATS, b.stack.Ferret, b.stack.Jaeger}
	for _, p := range b.stack.Procs {
		procs = append(procs, p)
	}
	total := 0.0
	for _, p := range procs {
		if p != nil {
			total += procCPU(p.Pid())
		}
	}
	return total
}

// procCPU is the CPU time of process pid in seconds, 0 when it cannot be read.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}
