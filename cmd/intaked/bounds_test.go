package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

// The tests of issue 13's bounds: what one message makes the daemon send and keep, how much of
// it is fetched, how long it is kept, and how many automatic replies one address gets.

// noReplyBound turns off the bound on automatic replies per address, in the tests' configuration.
const noReplyBound = "max_replies_per_address_per_day = 0\n"

// withConfig rewrites the configuration at path, adding lines after a table's header.
func withConfig(t *testing.T, path, table, lines string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "["+table+"]\n", "["+table+"]\n"+lines+"\n", 1)
	if s == string(b) {
		s += "[" + table + "]\n" + lines + "\n"
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func openStore(t *testing.T, cfg string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(cfg), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeSize is the bytes the store takes on disk, its WAL included.
func storeSize(t *testing.T, cfg string) int64 {
	t.Helper()
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(filepath.Dir(cfg), "intake.db"+suffix)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestReplyListsTheFirstRefusedRows: a list of 20,000 bad rows gets a reply of a few hundred
// kilobytes that lists the first hundred, says how many more there are and attaches them all; the
// store keeps the first thousand problems and counts every one.
func TestReplyListsTheFirstRefusedRows(t *testing.T) {
	s, _ := memServersWithIMAP(t)
	const bad = 20_000
	rows := samples.Rows(101, 3)
	for _, r := range samples.Rows(1000, bad) {
		r.Email = "pas-une-adresse"
		rows = append(rows, r)
	}
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	from := "secretariat@mairie-givors.fr"
	s.append(t, samples.Message{From: from, To: samples.Mailbox, Subject: "Nos écoles", MessageID: "bad-rows@mairie-givors.fr", Date: at,
		Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(rows)}}}.Raw(), at)
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	replies := mailsTo(s.sent(t), from)
	if len(replies) != 1 {
		t.Fatalf("%d replies, want 1", len(replies))
	}
	m := replies[0]
	if len(m.Raw) > 2<<20 {
		t.Errorf("the reply is %d bytes, want under 2 MB", len(m.Raw))
	}
	if n := strings.Count(m.Text, "- fichier « ecoles.csv », ligne"); n != 100 { // a csv is a file, not a "feuille"
		t.Errorf("the reply lists %d refused rows, want the first 100", n)
	}
	for _, want := range []string{fmt.Sprintf("%d lignes n'ont pas pu être prises en compte", bad), fmt.Sprintf("et %d autres lignes refusées", bad-100), "« lignes-refusees.xlsx »", "3 écoles ajoutées"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the reply does not say %q:\n%.3000s", want, m.Text)
		}
	}
	_, files := parts(t, m.Raw)
	var sheet []byte
	for _, f := range files {
		if f.Name == "lignes-refusees.xlsx" {
			sheet = f.Data
		}
	}
	if sheet == nil {
		t.Fatalf("no spreadsheet of refused rows attached: %v", files)
	}
	x, err := excelize.OpenReader(bytes.NewReader(sheet))
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != bad+1 || strings.Join(got[0], ",") != "Fichier,Feuille,Ligne,Colonne,Motif" {
		t.Fatalf("the spreadsheet has %d rows (header %v), want a header and %d", len(got), got[0], bad)
	}
	if last := got[bad]; last[0] != "ecoles.csv" || last[2] != fmt.Sprint(bad+4) || !strings.Contains(last[4], "pas-une-adresse") {
		t.Errorf("last refused row: %v", last)
	}

	// The store: the first thousand problems, every one counted.
	db := openStore(t, cfg)
	var stored, errs, omitted int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM problems p WHERE p.request_id = r.id), errors, problems_omitted FROM requests r`).Scan(&stored, &errs, &omitted); err != nil {
		t.Fatal(err)
	}
	if stored != 1000 || errs != bad || omitted != bad-1000 {
		t.Errorf("store keeps %d problems, counts %d errors, %d omitted; want 1000, %d, %d", stored, errs, omitted, bad, bad-1000)
	}
	if n := storeSize(t, cfg); n > 16<<20 {
		t.Errorf("the store takes %d bytes after one message", n)
	}

	// The Métropole's summary counts them all.
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00+02:00")
	var digest string
	for _, m := range mailsTo(s.sent(t), "ent@grandlyon.example") {
		digest += m.Text
	}
	if !strings.Contains(digest, fmt.Sprintf("%d lignes refusées", bad)) {
		t.Errorf("the summary does not count the %d refused rows:\n%s", bad, digest)
	}
}

// bigMessage is a message of more than size bytes from from.
func bigMessage(from, id string, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Nos écoles, avec les photos\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
		from, samples.Mailbox, id, time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
	line := strings.Repeat("x", 998) + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// TestOversizedMessageIsNotFetched: a message over the size limit is never fetched whole; its
// header is, and the commune is told why nothing was read (an unknown sender is quarantined).
func TestOversizedMessageIsNotFetched(t *testing.T) {
	s, im := memServersWithIMAP(t)
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	s.append(t, bigMessage("secretariat@mairie-givors.fr", "big@mairie-givors.fr", 61<<20), at)
	s.append(t, bigMessage("eve@attacker.example", "big@attacker.example", 61<<20), at)
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	for _, f := range im.Fetches() {
		if strings.Contains(f, "BODY[]") {
			t.Errorf("a message over the limit was fetched whole: FETCH %s", f)
		}
	}
	replies := mailsTo(s.sent(t), "secretariat@mairie-givors.fr")
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "dépasse la taille que nous acceptons (60 Mo)") {
		t.Fatalf("%d replies, want one saying the message is too large: %+v", len(replies), replies)
	}
	if n := len(mailsTo(s.sent(t), "eve@attacker.example")); n != 0 {
		t.Errorf("the unknown sender got %d replies", n)
	}
	if p, r, i := s.count(t, "Traites"), s.count(t, "Rejetes"), s.count(t, "INBOX"); p != 1 || r != 1 || i != 0 {
		t.Errorf("Traites %d, Rejetes %d, INBOX %d; want 1, 1, 0", p, r, i)
	}
	db := openStore(t, cfg)
	var biggest, headerOnly int
	if err := db.QueryRow(`SELECT max(length(w.raw)), sum(r.header_only) FROM requests r JOIN request_raws w ON w.request_id = r.id`).Scan(&biggest, &headerOnly); err != nil {
		t.Fatal(err)
	}
	if biggest > 4096 || headerOnly != 2 {
		t.Errorf("the store keeps %d bytes of a message, %d header only; want its header alone, 2", biggest, headerOnly)
	}
	if n := storeSize(t, cfg); n > 4<<20 {
		t.Errorf("the store takes %d bytes", n)
	}
}

// countingProxy forwards TCP connections to addr and counts the bytes the server sends.
func countingProxy(t *testing.T, addr string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var down atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.Close() }()
				n, _ := io.Copy(c, up)
				down.Add(n)
			}()
		}
	}()
	return ln.Addr().String(), &down
}

// TestOversizedMessageIsNotFetchedRealServers: the same against Dovecot, through a proxy that
// counts what the daemon read from it.
func TestOversizedMessageIsNotFetchedRealServers(t *testing.T) {
	d := realserver.Dovecot(t)
	mp := realserver.Mailpit(t)
	proxy, down := countingProxy(t, d.Addr)
	s := servers{imapAddr: proxy, imapUser: d.Username, imapPass: d.Password, smtpAddr: mp.SMTPAddr}
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	d.Append(t, "INBOX", bigMessage("secretariat@mairie-givors.fr", "big@mairie-givors.fr", 61<<20), at)
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")

	if n := down.Load(); n > 1<<20 {
		t.Errorf("the daemon read %d bytes from the IMAP server for a 61 MB message", n)
	}
	var got []string
	for _, m := range mp.Messages(t) {
		if strings.Contains(m.Text, "dépasse la taille que nous acceptons") {
			got = append(got, m.Subject)
		}
	}
	if len(got) != 1 {
		t.Errorf("%d replies saying the message is too large, want 1", len(got))
	}
	if n := len(d.List(t, "Traites")); n != 1 {
		t.Errorf("Traites holds %d messages, want the oversized one", n)
	}
}

// TestRetentionPurgesRawMessages: past store.retention_months, the purge job empties the raw
// messages and the mails sent; the registry, the requests' metadata and the reports stay.
func TestRetentionPurgesRawMessages(t *testing.T) {
	s, _ := memServersWithIMAP(t)
	old := samples.Scenario()[0].Message // Givors's adhesion, 14 September 2026
	s.append(t, old.Raw(), old.Date)
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	if len(s.sent(t)) == 0 {
		t.Fatal("no reply to the adhesion")
	}

	// 25 months later, a new message, and every job of the gap, without the purge.
	recent := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Question", MessageID: "recent@mairie-givors.fr",
		Date: time.Date(2028, 10, 14, 8, 0, 0, 0, time.UTC), Text: "Bonjour, une question."}
	s.append(t, recent.Raw(), recent.Date)
	later := "--now=2028-10-15T11:00:00+02:00"
	withConfig(t, cfg, "store", "retention_months = 0")
	run(t, "run", "--once", "--config", cfg, later)
	run(t, "run", "--once", "--config", cfg, later) // a catch-up runs at most 400 occurrences at once
	db := openStore(t, cfg)
	type request struct {
		state, sender, reason, received string
		errors                          sql.NullInt64
	}
	requests := func() map[string]request {
		rows, err := db.Query(`SELECT message_id, state, sender, coalesce(reason, ''), received_at, errors FROM requests`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]request{}
		for rows.Next() {
			var id string
			var r request
			if err := rows.Scan(&id, &r.state, &r.sender, &r.reason, &r.received, &r.errors); err != nil {
				t.Fatal(err)
			}
			out[id] = r
		}
		return out
	}
	beforeRequests := requests()
	beforeSchools := run(t, "schools", "--json", "--config", cfg, later)
	beforeReport := run(t, "report", "activity", "--config", cfg, "--year", "2026-2027")
	var beforeMails int
	if err := db.QueryRow(`SELECT count(*) FROM outbox`).Scan(&beforeMails); err != nil {
		t.Fatal(err)
	}

	// The same day with the default retention: the purge runs.
	b, _ := os.ReadFile(cfg)
	_ = os.WriteFile(cfg, bytes.Replace(b, []byte("retention_months = 0\n"), nil, 1), 0o600)
	run(t, "run", "--once", "--config", cfg, later)

	raw := map[string]int{}
	rows, err := db.Query(`SELECT r.message_id, length(w.raw), r.purged_at IS NOT NULL FROM requests r JOIN request_raws w ON w.request_id = r.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var n int
		var purged bool
		if err := rows.Scan(&id, &n, &purged); err != nil {
			t.Fatal(err)
		}
		raw[id] = n
		if purged != (n == 0) {
			t.Errorf("request %s: %d raw bytes, purged %v", id, n, purged)
		}
	}
	rows.Close()
	if raw[old.MessageID] != 0 || raw[recent.MessageID] == 0 {
		t.Errorf("raw bytes kept: %v; want the 2026 message emptied, the 2028 one kept", raw)
	}
	var oldReply, recentReply, mails int
	if err := db.QueryRow(`SELECT
		(SELECT length(data) FROM outbox WHERE created_at < '2027'), (SELECT max(length(data)) FROM outbox WHERE created_at > '2028'), (SELECT count(*) FROM outbox)`).
		Scan(&oldReply, &recentReply, &mails); err != nil {
		t.Fatal(err)
	}
	if mails != beforeMails {
		rows, _ := db.Query(`SELECT id, kind, created_at FROM outbox`)
		for rows.Next() {
			var id int
			var k, c string
			_ = rows.Scan(&id, &k, &c)
			t.Logf("outbox %d %s %s", id, k, c)
		}
		rows.Close()
	}
	if oldReply != 0 || recentReply == 0 || mails != beforeMails {
		t.Errorf("outbox: the 2026 reply keeps %d bytes, the 2028 mails %d, %d mails (were %d); want 0, some, the same", oldReply, recentReply, mails, beforeMails)
	}
	if after := requests(); fmt.Sprint(after) != fmt.Sprint(beforeRequests) {
		t.Errorf("the requests' metadata changed:\n%v\n%v", beforeRequests, after)
	}
	if after := run(t, "schools", "--json", "--config", cfg, later); after != beforeSchools {
		t.Errorf("the purge changed the registry:\n%s\n%s", beforeSchools, after)
	}
	if after := run(t, "report", "activity", "--config", cfg, "--year", "2026-2027"); after != beforeReport {
		t.Errorf("the purge changed the activity report:\n%s\n%s", beforeReport, after)
	}
}

// TestRepliesPerAddressBounded: a sender that writes twelve times in a day gets ten automatic
// replies; the Métropole's summary says the other two were withheld.
func TestRepliesPerAddressBounded(t *testing.T) {
	s, _ := memServersWithIMAP(t)
	from := "secretariat@mairie-givors.fr"
	at := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	for i := range 12 {
		m := samples.Message{From: from, To: samples.Mailbox, Subject: fmt.Sprintf("Message %d", i+1), MessageID: fmt.Sprintf("loop-%d@mairie-givors.fr", i),
			Date: at.Add(time.Duration(i) * time.Minute), Text: "Bonjour, voici notre réponse automatique."}
		s.append(t, m.Raw(), m.Date)
	}
	cfg := writeConfig(t, s)
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, bytes.Replace(b, []byte(noReplyBound), nil, 1), 0o600); err != nil { // the default
		t.Fatal(err)
	}
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T11:00:00+02:00")
	if n := len(mailsTo(s.sent(t), from)); n != 10 {
		t.Errorf("%d replies to %s, want 10", n, from)
	}
	if n := s.count(t, "Traites"); n != 12 {
		t.Errorf("%d messages handled, want 12", n)
	}

	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00+02:00")
	digests := mailsTo(s.sent(t), "ent@grandlyon.example")
	if len(digests) != 1 {
		t.Fatalf("%d summaries, want 1", len(digests))
	}
	text := digests[0].Text
	if !strings.Contains(text, "Réponses automatiques retenues (2)") || strings.Count(text, "pas de réponse à "+from) != 2 {
		t.Errorf("the summary does not show the two replies withheld:\n%s", text)
	}
	if n := len(mailsTo(s.sent(t), from)); n != 10 {
		t.Errorf("%d replies to %s after the summary, want still 10", n, from)
	}
}
