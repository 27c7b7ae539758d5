package stack

import (
	"os/exec"
	"syscall"
)

// procAttr puts a service in a process group of its own, so that kill ends
// whatever it started too, and has the kernel kill it if the launcher dies
// without cleaning up, so no process is ever left behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// kill ends cmd's process group at once.
func kill(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
