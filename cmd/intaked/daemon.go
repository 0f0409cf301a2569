package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
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
	if *once {
		return m.wire(cfg, store).once(ctx, m.Logger)
	}
	return m.serve(ctx, *c.path, cfg, store)
}

// useLogConfig picks the log handler the configuration asks for, unless a test gave one.
func (m *Main) useLogConfig(cfg *Config) {
	if m.logSet {
		return
	}
	level, _ := parseLevel(cfg.Log.Level)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		m.Logger = slog.New(slog.NewJSONHandler(m.Stderr, opts))
	} else {
		m.Logger = slog.New(slog.NewTextHandler(m.Stderr, opts))
	}
}

// warnPermissions warns when the configuration, which may hold passwords, is readable by others.
func warnPermissions(log *slog.Logger, path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o004 != 0 {
		log.Warn("the configuration file is readable by every user; it may hold passwords: chmod 640 it", "path", path)
	}
}

// once handles the mailbox, runs the jobs due, and sends what the outbox holds.
func (d *daemon) once(ctx context.Context, log *slog.Logger) error {
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
// SIGHUP, keeping the old one when the new one is invalid.
func (m *Main) serve(ctx context.Context, path string, cfg *Config, store *sqlite.DB) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	met := metrics.New()
	started := m.Now()
	var mu sync.Mutex
	var current *daemon
	cur := func() *daemon {
		mu.Lock()
		defer mu.Unlock()
		return current
	}
	met.SetSource(func(ctx context.Context) (metrics.Snapshot, error) {
		return snapshot(ctx, store, cur(), m.Now())
	})
	health := metrics.HealthCheck{
		Ping:       store.Ping,
		LastPoll:   func() time.Time { return cur().watcher.LastPoll() },
		MaxPollAge: 3*cfg.IMAP.PollInterval.Duration + cfg.IMAP.CommandTimeout.Duration,
		Started:    started,
		Now:        m.Now,
	}
	var side sync.WaitGroup
	defer side.Wait()
	sideCtx, stopSide := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSide()
	if cfg.HTTP.Address != "" {
		errc := make(chan error, 1)
		side.Add(1)
		go func() {
			defer side.Done()
			errc <- metrics.Serve(sideCtx, cfg.HTTP.Address, metrics.Handler(met, health.Check), m.Logger)
		}()
		select {
		case err := <-errc:
			if err != nil {
				return fmt.Errorf("serve http on %s: %w", cfg.HTTP.Address, err)
			}
		case <-time.After(100 * time.Millisecond): // listening
		}
	}
	// The watchdog looks at the store only: a mail server that is down is not cured by a restart.
	side.Add(1)
	go func() {
		defer side.Done()
		systemd.Watchdog(sideCtx, metrics.HealthCheck{Ping: store.Ping}.Check, m.Logger)
	}()

	for {
		d := m.wire(cfg, store)
		d.watcher.OnHandled = func(o intake.Outcome) { met.MessageHandled(string(o.State), o.Refused) }
		d.scheduler.OnRun = met.JobRan
		var ready sync.Once
		d.onPass = func() {
			ready.Do(func() {
				if err := systemd.Ready(); err != nil {
					m.Logger.Warn("notify systemd", "err", err)
				}
			})
		}
		mu.Lock()
		current = d
		mu.Unlock()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			d.run(runCtx, m.Logger)
			close(done)
		}()
		reload := false
		for !reload {
			select {
			case <-ctx.Done():
				_ = systemd.Stopping()
				m.Logger.Info("stopping: finishing the message in hand, then the outbox")
				cancel()
				<-done
				return nil
			case <-hup:
				next, err := LoadConfig(path)
				if err != nil {
					m.Logger.Error("configuration not reloaded: keeping the one in use", "path", path, "err", err)
					continue
				}
				if next.Store.Path != cfg.Store.Path || next.HTTP.Address != cfg.HTTP.Address {
					m.Logger.Warn("store.path and http.address take effect at the next start, not on reload")
					next.Store.Path, next.HTTP.Address = cfg.Store.Path, cfg.HTTP.Address
				}
				_ = systemd.Reloading()
				if err := store.SyncCommunes(ctx, next.CommuneList()); err != nil {
					m.Logger.Error("configuration not reloaded: keeping the one in use", "err", err)
					continue
				}
				m.Logger.Info("reloading the configuration", "path", path, "communes", len(next.Communes))
				cancel()
				<-done
				cfg, reload = next, true
			}
		}
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
	log.Info("intaked started")
	wg.Wait()
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if n, err := d.outbox.Flush(flushCtx); err != nil {
		log.Warn("stopping with mail left in the outbox", "sent", n, "err", err)
	}
	log.Info("intaked stopped")
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
	s.OutboxDepth = ob.Waiting
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
