//go:build !linux

package realserver

import "os/exec"

// killWithParent does nothing outside Linux: a server may outlive a test
// binary that dies without running its cleanups.
func killWithParent(cmd *exec.Cmd) {}
