package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/metrics"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/systemd"
)

func (m *Main) runCmd(ctx context.Context, args []string) error {
	c := m.command("run", true)
	once := c.fs.Bool("once", false, "handle what is in the mailbox, send what is due, and exit")
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	m.useLogConfig(cfg)
	warnPermissions(m.Logger, *c.path)
	m.loadDirectory(ctx, cfg, store, true)
	if *once {
		return m.wire(cfg, store).once(ctx, m.Logger)
	}
	return m.serve(ctx, *c.path, cfg, store)
}

// useLogConfig picks the log handler the configuration asks for, unless a test gave one.
func (m *Main) useLogConfig(cfg *Config) {
	if !m.logSet {
		m.Logger = newLogger(cfg.Log, m.Stderr)
	}
}

// once handles the mailbox, runs the jobs due, and sends what the outbox holds.
func (d *daemon) once(ctx context.Context, log *slog.Logger) error {
	defer d.outbox.Close() // the SMTP connection the flushes keep open
	// The replies go out while the mailbox is still being read, as in the daemon.
	wake := make(chan struct{}, 1)
	d.kickOnHandled(wake)
	read, sending := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sending)
		for {
			select {
			case <-read: // the flush below sends the rest
				return
			case <-wake:
				if _, err := d.outbox.Flush(ctx); err != nil && ctx.Err() == nil {
					log.Debug("outbox flush stopped", "err", err)
				}
			}
		}
	}()
	err := d.watcher.RunOnce(ctx)
	close(read)
	<-sending
	if err != nil {
		return err
	}
	if d.provision != nil {
		if _, err := d.provision.Flush(ctx); err != nil {
			log.Warn("laclasse directory: some work is left for later", "err", err)
		}
	}
	if _, err := d.scheduler.Due(ctx); err != nil {
		return err
	}
	if _, err := d.outbox.Flush(ctx); err != nil {
		log.Warn("some mail could not be sent; it stays in the outbox", "err", err)
	}
	return nil
}

// serve is the daemon: it runs until ctx ends (SIGTERM, SIGINT) and reloads its configuration on
// SIGHUP (or m.Reload), keeping the old one when the new one is invalid. The HTTP address is
// bound, and the first daemon wired, before anything is served or systemd is told it is ready.
func (m *Main) serve(ctx context.Context, path string, cfg *Config, store *sqlite.DB) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	met := metrics.New()
	var current atomic.Pointer[daemon]
	d := m.wire(cfg, store)
	d.started = m.Now()
	current.Store(d)
	met.SetSource(func(ctx context.Context) (metrics.Snapshot, error) {
		return snapshot(ctx, store, current.Load(), m.Now())
	})
	health := func(ctx context.Context) error {
		d := current.Load()
		return metrics.HealthCheck{
			Ping: store.Ping, LastPoll: d.watcher.LastPoll, MaxPollAge: d.http.MaxPollAge, Started: d.started, Now: m.Now,
		}.Check(ctx)
	}
	m.configLoaded(ctx, store, met, nil)

	var side sync.WaitGroup
	defer side.Wait()
	sideCtx, stopSide := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSide()
	if d.http.Address != "" {
		ln, err := listen(d.http.Address)
		if err != nil {
			return err
		}
		side.Add(1)
		go func() {
			defer side.Done()
			if err := metrics.ServeListener(sideCtx, ln, metrics.Handler(met, health), d.log); err != nil {
				d.log.Error("the HTTP server stopped: no /healthz nor /metrics until the next start", "err", err)
			}
		}()
	}
	con, err := m.startConsole(sideCtx, &side, cfg, d, store)
	if err != nil {
		return err
	}
	// The watchdog looks at the store only: a mail server that is down is not cured by a restart.
	side.Add(1)
	go func() {
		defer side.Done()
		systemd.Watchdog(sideCtx, metrics.HealthCheck{Ping: store.Ping}.Check, d.log)
	}()

	d.log.Info("intaked started", "path", path, "communes", len(cfg.Communes))
	for {
		d.watcher.OnHandled = func(o intake.Outcome) { met.MessageHandled(string(o.State), o.Refused) }
		d.scheduler.OnRun = met.JobRan
		var ready sync.Once
		d.onPass = func() {
			ready.Do(func() {
				if err := systemd.Ready(); err != nil {
					d.log.Warn("notify systemd", "err", err)
				}
			})
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			d.run(runCtx, d.log)
			close(done)
		}()
		var next *Config
		for next == nil {
			select {
			case <-ctx.Done():
				_ = systemd.Stopping()
				d.log.Info("stopping: finishing the message in hand, then the outbox")
				cancel()
				<-done
				d.log.Info("intaked stopped")
				return nil
			case <-hup:
			case <-m.Reload:
			}
			var err error
			if next, err = m.reloadConfig(ctx, path, cfg, store); err != nil {
				d.log.Error("configuration not reloaded: keeping the one in use", "path", path, "err", err)
				m.configLoaded(ctx, store, met, err)
			}
		}
		_ = systemd.Reloading()
		cancel()
		<-done
		cfg = next
		m.loadDirectory(ctx, cfg, store, true) // [directory] file may have changed with it
		d = m.wire(cfg, store)
		if con != nil && d.console != nil {
			con.Reload(*d.console)
		}
		d.started = m.Now()
		current.Store(d)
		m.configLoaded(ctx, store, met, nil)
		d.log.Info("configuration reloaded", "path", path, "communes", len(cfg.Communes))
	}
}

// reloadConfig reads the configuration at path again for a daemon running on cur, and brings the
// store's communes in line with it. store.path and http.address keep their values until the
// next start.
func (m *Main) reloadConfig(ctx context.Context, path string, cur *Config, store *sqlite.DB) (*Config, error) {
	next, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if next.Store.Path != cur.Store.Path || next.HTTP.Address != cur.HTTP.Address {
		m.Logger.Warn("store.path and http.address take effect at the next start, not on reload")
		next.Store.Path, next.HTTP.Address = cur.Store.Path, cur.HTTP.Address
	}
	keepConsole(m.Logger, cur, next)
	if err := store.SyncCommunes(ctx, next.CommuneList()); err != nil {
		return nil, fmt.Errorf("update the communes in the store: %w", err)
	}
	return next, nil
}

// configLoaded records a load of the configuration (err nil: at start or a successful reload) or
// a failed reload, where /metrics, /healthz and `intaked status` show it.
func (m *Main) configLoaded(ctx context.Context, store *sqlite.DB, met *metrics.Metrics, err error) {
	at := m.Now()
	met.ConfigReloaded(at, err)
	var rerr error
	if err == nil {
		rerr = store.ConfigLoaded(ctx, at)
	} else {
		rerr = store.ConfigReloadFailed(ctx, at, err)
		if e := store.RecordError(ctx, "config", at, fmt.Errorf("reload: %w", err)); e != nil {
			rerr = e
		}
	}
	if rerr != nil {
		m.Logger.Error("record the configuration's state", "err", rerr)
	}
}

// run runs the mailbox watcher, the calendar and the outbox until ctx ends. On the way out it
// finishes the message in hand and gives the outbox ten seconds.
func (d *daemon) run(ctx context.Context, log *slog.Logger) {
	wake := make(chan struct{}, 1)
	kick := func(context.Context) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	d.watcher.AfterPass = func(ctx context.Context) {
		if d.onPass != nil {
			d.onPass()
		}
		kick(ctx)
	}
	d.scheduler.AfterRun = kick
	d.kickOnHandled(wake)
	var wg sync.WaitGroup
	if d.provision != nil {
		provisionWake := make(chan struct{}, 1)
		pass := d.watcher.AfterPass
		d.watcher.AfterPass = func(ctx context.Context) {
			pass(ctx)
			select {
			case provisionWake <- struct{}{}:
			default:
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for ctx.Err() == nil {
				if n, err := d.provision.Flush(ctx); err != nil && ctx.Err() == nil {
					log.Warn("laclasse directory: some work is left for later", "err", err)
				} else if n > 0 {
					kick(ctx)
				}
				select {
				case <-ctx.Done():
				case <-provisionWake:
				case <-t.C:
				}
			}
		}()
	}
	wg.Add(3)
	go func() { defer wg.Done(); _ = d.watcher.Run(ctx) }()
	go func() { defer wg.Done(); _ = d.scheduler.Run(ctx) }()
	go func() {
		defer wg.Done()
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for ctx.Err() == nil {
			if _, err := d.outbox.Flush(ctx); err != nil && ctx.Err() == nil {
				log.Debug("outbox flush stopped", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-wake:
			case <-t.C:
			}
		}
	}()
	wg.Wait()
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if n, err := d.outbox.Flush(flushCtx); err != nil {
		log.Warn("stopping with mail left in the outbox", "sent", n, "err", err)
	}
	d.outbox.Close() // the SMTP connection the flushes keep open
}

// kickOnHandled wakes the outbox each time a message is decided: its replies are queued, and go
// out while the rest of the mailbox is read.
func (d *daemon) kickOnHandled(wake chan struct{}) {
	handled := d.watcher.OnHandled
	d.watcher.OnHandled = func(o intake.Outcome) {
		if handled != nil {
			handled(o)
		}
		if o.Replies > 0 {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
}

// snapshot reads what the metrics show at scrape time.
func snapshot(ctx context.Context, store *sqlite.DB, d *daemon, now time.Time) (metrics.Snapshot, error) {
	var s metrics.Snapshot
	if d != nil {
		s.LastPoll, s.IMAPConnected = d.watcher.LastPoll(), d.watcher.Connected()
	}
	ob, err := store.Outbox(ctx)
	if err != nil {
		return s, err
	}
	s.OutboxDepth, s.OutboxUndeliverable = ob.Waiting, ob.Failed
	if d != nil && d.calendar.Directory != nil {
		if s.Directory, err = directorySnapshot(ctx, store); err != nil {
			return s, err
		}
	}
	if ob.Oldest != nil {
		s.OutboxOldest = *ob.Oldest
	}
	schools, err := store.Schools(ctx)
	if err != nil {
		return s, err
	}
	for _, sc := range schools {
		if sc.Status == convention.StatusPending {
			s.Pending++
			if sc.DueAt.Before(now) {
				s.Overdue++
			}
		}
	}
	return s, nil
}
