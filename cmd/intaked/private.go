package main

import (
	"fmt"
	"os"
)

// Files that hold personal data (the registry's names, e-mails and phones): a report written
// with -o and a backup of the store are readable by their owner only, whatever the umask.

// writePrivate writes data to path, readable and writable by its owner only.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	// An existing file keeps its mode through O_TRUNC, and the umask may have taken bits off a
	// new one: set it.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// createPrivate creates path empty, readable and writable by its owner only, failing if it
// exists: SQLite's VACUUM INTO then fills it, keeping its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}
