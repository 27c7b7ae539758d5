//go:build !linux

package testkit

import "syscall"

// procAttr runs a child as cred (nil: as ourselves). Only Linux can tie the
// child's life to ours; elsewhere Main must stop it, and the child stays in
// our process group so an interrupt from the terminal reaches it too.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
