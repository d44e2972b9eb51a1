package redistest

import "syscall"

// sysProcAttr asks the kernel to kill a started redis-server when the test
// binary dies without running its cleanups, e.g. after a -timeout panic.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
