package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
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

	mu     sync.Mutex
	exists []time.Time // when each EXISTS came
}

func startIdleClient(t *testing.T, d *realserver.DovecotServer) *idleClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", d.Addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ic := &idleClient{}
	ic.c = imapclient.New(conn, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				ic.mu.Lock()
				ic.exists = append(ic.exists, time.Now())
				ic.mu.Unlock()
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

// heard returns the first EXISTS heard at or after t0, waiting up to 5 seconds for it. One
// EXISTS may tell of several messages: it is the first for each of them.
func (ic *idleClient) heard(t0 time.Time) (time.Time, bool) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		ic.mu.Lock()
		i, _ := slices.BinarySearchFunc(ic.exists, t0, time.Time.Compare)
		var at time.Time
		if i < len(ic.exists) {
			at = ic.exists[i]
		}
		ic.mu.Unlock()
		if !at.IsZero() {
			return at, true
		}
	}
	return time.Time{}, false
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

// TestDaemonHearsWithIdleClient: on a real Dovecot, the daemon decides each message a few tens
// of milliseconds after another client idling on INBOX hears of it. Dovecot tells an idling
// client of a change up to 500 ms after it (its notification timer starts with the first change
// since it last told it, the daemon's own MOVE of the message before included). The messages
// arrive every 730 ms, whatever the daemon does, so that they fall at every point of that cycle.
// A daemon that entered IDLE again after each pass would start its timer only at each new
// message, and decide it about 500 ms after the APPEND, hundreds of milliseconds after the other
// client heard of it.
func TestDaemonHearsWithIdleClient(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	runUntilEnd(t, m, "run", "--config", cfg)
	logs.wait(t, "intaked started")
	probe := startIdleClient(t, d)
	time.Sleep(300 * time.Millisecond) // both in IDLE

	const n = 13
	var appended []time.Time
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * 730 * time.Millisecond)))
		msg := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i),
			MessageID: fmt.Sprintf("floor-%d@test", i), Date: time.Date(2025, 9, 14, 8, i, 0, 0, time.UTC),
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(4000+i, 1))}}}
		appended = append(appended, time.Now())
		d.Append(t, "INBOX", msg.Raw(), msg.Date)
	}
	var gaps []float64       // ms from the other client's EXISTS to the daemon's decision
	for i := 1; i < n; i++ { // the first one is warm-up: the first SMTP connection, the first queries
		heard, ok := probe.heard(appended[i])
		if !ok {
			// Gone before the other client's timer fired: Dovecot never showed it that one. The
			// daemon was the earlier.
			gaps = append(gaps, -500)
			continue
		}
		id := fmt.Sprintf("floor-%d@test", i)
		var handled time.Time
		for ok := false; !ok; handled, ok = handledAt(logs.String(), id) {
			if time.Since(appended[i]) > 20*time.Second {
				t.Fatalf("message %d not handled:\n%s", i, logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		gaps = append(gaps, float64(handled.Sub(heard))/float64(time.Millisecond))
	}
	t.Logf("from the other client's EXISTS to the decision, ms: %.0f", gaps)
	slices.Sort(gaps)
	if median := gaps[len(gaps)/2]; median > 120 {
		t.Errorf("the daemon decides a median %.0f ms after an idling client hears of the message, want a few tens", median)
	}
}
