package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// What a configuration asks of the machine it runs on, checked by check-config and before the
// store is opened: each problem is a configuration error (exit status 2), named by its key.

// configGroup is the group that may read the configuration: the unit gives it to the service
// (SupplementaryGroups=), README.md and contrib/INSTALL.md install the file 0640 root:intaked.
const configGroup = "intaked"

// checkStoreDir reports a store whose directory does not exist or cannot be written (SQLite
// writes its journal beside the file).
func checkStoreDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("store.path: the directory %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("store.path: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("store.path: %s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".intaked-check-*")
	if err != nil {
		return fmt.Errorf("store.path: the directory %s cannot be written: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// listen opens the [http] address, or says why it cannot be bound.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ConfigError{Errs: []error{fmt.Errorf("http.address: cannot listen on %s: %w", addr, err)}}
	}
	return ln, nil
}

// checkHost reports every problem of cfg on this machine: the store's directory, and the HTTP
// address, bound for a moment (a running daemon holds it: stop it first, or expect this).
func checkHost(cfg *Config) []error {
	var errs []error
	if err := checkStoreDir(cfg.Store.Path); err != nil {
		errs = append(errs, err)
	}
	if cfg.HTTP.Address != "" {
		if ln, err := listen(cfg.HTTP.Address); err == nil {
			ln.Close()
		} else if !(errors.Is(err, syscall.EADDRINUSE) && servedByIntaked(cfg.HTTP.Address)) {
			errs = append(errs, unjoin(err)...)
		}
	}
	errs = append(errs, checkConsoleAddress(cfg)...)
	errs = append(errs, checkDirectoryFile(cfg.Directory)...)
	return errs
}

// servedByIntaked reports whether the daemon itself serves addr: check-config run beside a
// running daemon finds its address taken, by the daemon it checks the configuration for.
func servedByIntaked(addr string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("\nintake_config_last_reload_successful "))
}

// warnPermissions warns when the configuration, which may hold passwords, is readable by every
// user, and says how the documentation installs it.
func warnPermissions(log *slog.Logger, path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o004 != 0 {
		log.Warn("the configuration file is readable by every user; it may hold passwords: chgrp "+configGroup+" it and chmod 0640 it (the unit gives the service the group "+configGroup+")", "path", path)
	}
}

// warnTrustedAuthserv warns that imap.trusted_authserv_id is only as safe as the receiving
// server's cleaning of the Authentication-Results headers that claim its id.
func warnTrustedAuthserv(log *slog.Logger, cfg *Config) {
	if id := cfg.IMAP.TrustedAuthservID; id != "" {
		log.Warn("imap.trusted_authserv_id is safe only if that server removes, from every incoming message, the Authentication-Results headers that claim its id: otherwise a sender can write its own dkim=pass", "trusted_authserv_id", id)
	}
}
