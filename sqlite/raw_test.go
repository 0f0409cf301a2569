package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestRawMessagesSurviveMigration: ten years of messages stored before migration 14 took the raw
// bytes out of the requests row are, after it, each request's own, byte for byte (as the claim,
// the console's download and reprocessing read them), the purged ones still empty, with every
// row that references a request still in place.
func TestRawMessagesSurviveMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "intake.db")
	old, err := sql.Open("sqlite", fileURI(path)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms[:13] {
		if _, err := old.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
		if _, err := old.Exec(fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Exec(`INSERT INTO communes (id, name, insee) VALUES (1, 'Givors', '69091')`); err != nil {
		t.Fatal(err)
	}
	// A message every two days for ten years, of every size up to 24 KB (overflow pages), a few
	// purged, a few header only, each with a file and a change that reference it.
	raws := map[int64][]byte{}
	purged := map[int64]bool{}
	tx, err := old.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO schools (id, commune_id, uai, name, status, admin, received_at, due_at) VALUES (1, 1, '0690001A', 'École', 'active', '{}', ?, ?)`, fmtTime(t0), fmtTime(t0)); err != nil {
		t.Fatal(err)
	}
	start := t0.AddDate(-10, 0, 0)
	id := int64(0)
	for at := start; at.Before(t0); at = at.AddDate(0, 0, 2) {
		id++
		raw := bytes.Repeat([]byte(fmt.Sprintf("Message-ID: <%d@givors.fr>\r\n", id)), int(id*37%800))
		state, purgedAt := "applied", sql.NullString{}
		if id%50 == 0 {
			raw, purgedAt = []byte{}, sql.NullString{String: fmtTime(at.AddDate(2, 0, 0)), Valid: true}
			purged[id] = true
		}
		sum := sha256.Sum256(raw)
		if _, err := tx.Exec(`INSERT INTO requests (id, mailbox, uid_validity, uid, received_at, raw, raw_sha256, claimed_at, state, decided_at, commune_id, message_id, sender, header_only, purged_at)
			VALUES (?, 'INBOX', 1, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'mairie@givors.fr', ?, ?)`,
			id, id, fmtTime(at), raw, hex.EncodeToString(sum[:]), fmtTime(at), state, fmtTime(at), fmt.Sprintf("%d@givors.fr", id), id%30 == 0, purgedAt); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO attachments (request_id, filename, content_type, format, sha256, size, error) VALUES (?, 'liste.xlsx', 'x', 'xlsx', ?, 1, '')`, id, fmt.Sprint(id)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO changes (school_id, request_id, kind, at) VALUES (1, ?, 'change_admin', ?)`, id, fmtTime(at)); err != nil {
			t.Fatal(err)
		}
		raws[id] = raw
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()
	if len(raws) < 1800 {
		t.Fatalf("%d messages over ten years", len(raws))
	}

	db, err := Open(ctx, path, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := SchemaVersion(); v < 14 {
		t.Fatalf("schema %d", v)
	}
	var columns int
	if err := db.db.QueryRow(`SELECT count(*) FROM pragma_table_info('requests') WHERE name = 'raw'`).Scan(&columns); err != nil || columns != 0 {
		t.Errorf("requests still has a raw column (%d, %v)", columns, err)
	}
	for id, raw := range raws {
		r, err := db.RequestByID(ctx, id)
		if err != nil {
			t.Fatalf("request %d: %v", id, err)
		}
		if !bytes.Equal(r.Raw, raw) {
			t.Fatalf("request %d: %d bytes after the migration, %d before", id, len(r.Raw), len(raw))
		}
		if id%97 == 0 || purged[id] {
			d, err := db.RequestDetail(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if purged[id] != (d.PurgedAt != nil) || (!purged[id] && !bytes.Equal(d.Raw, raw)) || (purged[id] && d.Raw != nil) {
				t.Errorf("request %d: detail raw %d bytes, purged %v; want %d, %v", id, len(d.Raw), d.PurgedAt, len(raw), purged[id])
			}
		}
	}
	// Each raw is still what its request's hash says.
	rows, err := db.db.Query(`SELECT r.id, r.raw_sha256, w.raw FROM requests r JOIN request_raws w ON w.request_id = r.id`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var sum string
		var raw []byte
		if err := rows.Scan(&id, &sum, &raw); err != nil {
			t.Fatal(err)
		}
		if h := sha256.Sum256(raw); hex.EncodeToString(h[:]) != sum {
			t.Errorf("request %d: raw_sha256 is not its raw's", id)
		}
		n++
	}
	rows.Close()
	if n != len(raws) {
		t.Errorf("%d requests with their raw bytes, want %d", n, len(raws))
	}
	for _, q := range []string{`SELECT count(*) FROM attachments a JOIN requests r ON r.id = a.request_id`, `SELECT count(*) FROM changes ch JOIN requests r ON r.id = ch.request_id`} {
		if err := db.db.QueryRow(q).Scan(&n); err != nil || n != len(raws) {
			t.Errorf("%s: %d, %v; want %d", q, n, err, len(raws))
		}
	}
	rows, err = db.db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("a row references a request that is gone")
	}
	rows.Close()
	var ok string
	if err := db.db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %s, %v", ok, err)
	}
	// The migrated store takes new messages, each with its bytes.
	r, err := db.Claim(ctx, MessageKey{"INBOX", 2, 1}, t0, []byte("Subject: new\r\n\r\nx"))
	if err != nil {
		t.Fatal(err)
	}
	// The claim returns the request as the store reads it back.
	if again, err := db.RequestByKey(ctx, MessageKey{"INBOX", 2, 1}); err != nil || string(again.Raw) != "Subject: new\r\n\r\nx" || !reflect.DeepEqual(again, r) {
		t.Errorf("claimed after the migration: %+v, %v; the claim returned %+v", again, err, r)
	}
}
