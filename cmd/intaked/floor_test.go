package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// idleClient is another client idling on INBOX: the times it hears EXISTS are Dovecot's own
// notification delay, the floor of the daemon's latency.
type idleClient struct {
	c    *imapclient.Client
	idle *imapclient.IdleCommand
	news chan time.Time
}

func startIdleClient(t *testing.T, d *realserver.DovecotServer) *idleClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", d.Addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ic := &idleClient{news: make(chan time.Time, 64)}
	ic.c = imapclient.New(conn, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case ic.news <- time.Now():
				default:
				}
			}
		},
	}})
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := ic.c.Login(d.Username, d.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if ic.idle, err = ic.c.Idle(); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Time{})
	t.Cleanup(func() {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		_ = ic.idle.Close()
		_ = ic.idle.Wait()
		ic.c.Close()
	})
	return ic
}

// heard returns the first EXISTS heard at or after t0, waiting up to 5 seconds.
func (ic *idleClient) heard(t0 time.Time) (time.Time, bool) {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case at := <-ic.news:
			if !at.Before(t0) {
				return at, true
			}
		case <-timeout:
			return time.Time{}, false
		}
	}
}

// handledAt returns when the daemon's JSON log says it decided the message with this Message-ID.
func handledAt(logs string, messageID string) (time.Time, bool) {
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var l struct {
			Time      time.Time `json:"time"`
			Msg       string    `json:"msg"`
			MessageID string    `json:"message_id"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "message handled" && strings.Trim(l.MessageID, "<>") == messageID {
			return l.Time, true
		}
	}
	return time.Time{}, false
}

// TestDaemonHearsWithIdleClient: on a real Dovecot, a message that arrives while the server's
// notification timer already runs is heard when that timer fires, as another client idling on
// INBOX hears it, not a whole notification delay after its arrival. Dovecot tells an idling
// client of a change 500 ms after the first change it sees; here the daemon's own MOVE of a first
// message starts that timer, and a second message comes 300 ms later. A daemon that entered IDLE
// again after each pass would only start its timer at the second message, and decide it about
// 300 ms after the other client heard of it. Each trial starts from a quiet mailbox.
func TestDaemonHearsWithIdleClient(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "intaked started") {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not start:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	probe := startIdleClient(t, d)
	time.Sleep(300 * time.Millisecond) // both in IDLE

	// deliver appends message i and returns when it was appended, when the other client heard
	// of it and when the daemon decided it.
	deliver := func(i int) (appended, heard, handled time.Time) {
		t.Helper()
		msg := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i),
			MessageID: fmt.Sprintf("floor-%d@test", i), Date: time.Date(2025, 9, 14, 8, i, 0, 0, time.UTC),
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(4000+i, 1))}}}
		appended = time.Now()
		d.Append(t, "INBOX", msg.Raw(), msg.Date)
		for ok := false; !ok; handled, ok = handledAt(logs.String(), msg.MessageID) {
			if time.Since(appended) > 20*time.Second {
				t.Fatalf("message %d not handled:\n%s", i, logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		heard, ok := probe.heard(appended)
		if !ok {
			t.Fatalf("message %d: the other client heard nothing", i)
		}
		return appended, heard, handled
	}
	deliver(0)         // warm-up: the first SMTP connection, the first queries
	var gaps []float64 // ms from the other client's EXISTS to the daemon's decision
	for trial := range 3 {
		time.Sleep(1500 * time.Millisecond) // a quiet mailbox: no timer runs
		_, _, first := deliver(1 + 2*trial)
		time.Sleep(time.Until(first.Add(300 * time.Millisecond)))
		appended, heard, handled := deliver(2 + 2*trial)
		t.Logf("trial %d: the other client heard after %v, the daemon decided after %v", trial, heard.Sub(appended).Round(time.Millisecond), handled.Sub(appended).Round(time.Millisecond))
		gaps = append(gaps, float64(handled.Sub(heard))/float64(time.Millisecond))
	}
	slices.Sort(gaps)
	if median := gaps[len(gaps)/2]; median > 150 {
		t.Errorf("the daemon decides a median %.0f ms after an idling client hears of the message, want a few tens: %.1f", median, gaps)
	}
}
