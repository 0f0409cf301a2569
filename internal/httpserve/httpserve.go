// Package httpserve runs the daemon's HTTP servers (metrics, console) with one graceful
// shutdown.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves srv on ln until ctx ends, then shuts srv down, giving requests in flight at most
// grace before closing the connections that remain. It logs under name ("metrics", "console"),
// returns nil after a shutdown caused by ctx, and the server's error, prefixed with name, if it
// stops by itself. It closes ln.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, logger *slog.Logger, name string, attrs ...any) error {
	logger.Info(name+": listening", append([]any{"addr", ln.Addr().String()}, attrs...)...)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("%s: %w", name, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn(name+": graceful shutdown timed out, closing connections", "err", err)
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s: %w", name, err)
	}
	logger.Info(name + ": stopped")
	return nil
}
