//go:build !linux

package stack

import (
	"os/exec"
	"syscall"
)

// procAttr leaves a service in the launcher's process group: only Linux can
// tie a child's life to its parent's, so elsewhere an interrupt from the
// terminal must reach the services directly if the launcher cannot stop
// them.
func procAttr() *syscall.SysProcAttr { return nil }

// kill ends cmd's process at once.
func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
