package realserver

import (
	"os/exec"
	"syscall"
)

// killWithParent has the kernel send SIGTERM to the server if the test binary
// dies without running its cleanups (a test timeout, a crash), so no server
// outlives it.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
