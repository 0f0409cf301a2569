// Command intaked runs the partnership mailbox of laclasse.com: it reads the spreadsheets communes
// send, keeps the registry of their schools, answers them in French and keeps the convention's
// calendar. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// A soft memory limit keeps the heap near what the daemon needs (a 100,000-row sheet peaks
	// under 64 MB with it); the GOMEMLIMIT environment variable overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = nil // stopped by a signal before the work began: nothing was left half done
	}
	os.Exit(exitCode(err, m))
}

// exitCode maps an error to the process status: 2 for usage and configuration errors (systemd
// does not restart on them), 1 for anything else.
func exitCode(err error, m *Main) int {
	if err == nil {
		return 0
	}
	var ce *ConfigError
	if errors.As(err, &ce) || errors.Is(err, errUsage) {
		fmt.Fprintln(m.Stderr, "intaked:", err)
		return 2
	}
	if errors.Is(err, errSilent) {
		return 1
	}
	fmt.Fprintln(m.Stderr, "intaked:", err)
	return 1
}

// errSilent is a failure already reported to the user.
var errSilent = errors.New("failed")
