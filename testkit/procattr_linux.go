package testkit

import "syscall"

// procAttr runs a child as cred (nil: as ourselves) and has the kernel send
// it SIGQUIT — PostgreSQL's immediate shutdown — when the thread that
// started it dies, so a crashed test process leaves no server behind.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
}
