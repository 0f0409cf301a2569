// Package systemd is in charge of talking to systemd: readiness, watchdog and stopping
// notifications.
//
// It speaks the sd_notify protocol through github.com/coreos/go-systemd/v22/daemon: one
// datagram per notification to the unixgram socket named by $NOTIFY_SOCKET (a name starting
// with '@' is an abstract socket). Outside systemd, where NOTIFY_SOCKET is unset, every
// function here does nothing, so the daemon runs the same from a shell.
package systemd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Ready tells systemd that start-up is finished (READY=1): with Type=notify, the unit is
// "active" only from then on. It also ends a reload announced by Reloading. It returns nil
// without doing anything when NOTIFY_SOCKET is unset.
func Ready() error {
	return notify(daemon.SdNotifyReady)
}

// Stopping tells systemd that the daemon is shutting down (STOPPING=1). It returns nil
// without doing anything when NOTIFY_SOCKET is unset.
func Stopping() error {
	return notify(daemon.SdNotifyStopping)
}

// Reloading tells systemd that the daemon is reloading its configuration (RELOADING=1, with
// MONOTONIC_USEC as the protocol asks); call Ready when the reload is over. It returns nil
// without doing anything when NOTIFY_SOCKET is unset.
func Reloading() error {
	state := daemon.SdNotifyReloading
	if usec, ok := monotonicUsec(); ok {
		state += fmt.Sprintf("\nMONOTONIC_USEC=%d", usec)
	}
	return notify(state)
}

// notify sends one state to $NOTIFY_SOCKET, leaving the variable set for the next one.
func notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		name, _, _ := strings.Cut(state, "\n")
		return fmt.Errorf("systemd notify %s: %w", name, err)
	}
	return nil
}

// Watchdog keeps systemd's watchdog (WatchdogSec= in the unit) fed: every WATCHDOG_USEC/2 it
// calls healthy, bounded by that same interval, and sends WATCHDOG=1 only when healthy returns
// nil. When healthy fails, the ping is skipped and the reason logged, so that a daemon stuck
// for longer than WatchdogSec is killed and restarted by systemd. A nil healthy counts as
// always healthy. The first check is made at once.
//
// Watchdog returns when ctx ends. It returns at once, doing nothing, when the watchdog is not
// enabled for this process (WATCHDOG_USEC unset, or WATCHDOG_PID naming another process) or
// when WATCHDOG_USEC cannot be read, which it logs.
func Watchdog(ctx context.Context, healthy func(context.Context) error, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		logger.Warn("systemd watchdog disabled: bad environment", "err", err)
		return
	}
	if timeout <= 0 {
		return
	}
	interval := timeout / 2
	logger.Info("systemd watchdog enabled", "timeout", timeout, "interval", interval)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		ping(ctx, interval, healthy, logger)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// ping checks health within interval and feeds the watchdog if it is good.
func ping(ctx context.Context, interval time.Duration, healthy func(context.Context) error, logger *slog.Logger) {
	if healthy != nil {
		hctx, cancel := context.WithTimeout(ctx, interval)
		err := healthy(hctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			logger.Warn("systemd watchdog ping skipped: unhealthy", "err", err)
			return
		}
	}
	if err := notify(daemon.SdNotifyWatchdog); err != nil {
		logger.Warn("systemd watchdog ping failed", "err", err)
	}
}
