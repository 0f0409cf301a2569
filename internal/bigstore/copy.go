package bigstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	msqlite "modernc.org/sqlite"

	"github.com/laclasse/intake/internal/samples"
)

// copied are the tables whose rows belong to a commune, and how a row finds its archetype: a
// join on one of the temporary tables arch_commune, arch_request, arch_school, arch_outbox,
// arch_staff (each id → arch, the archetype's index).
var copied = []struct{ table, join string }{
	{"schools", "arch_school a ON a.id = t.id"},
	{"requests", "arch_request a ON a.id = t.id"},
	{"request_raws", "arch_request a ON a.id = t.request_id"},
	{"attachments", "arch_request a ON a.id = t.request_id"},
	{"problems", "arch_request a ON a.id = t.request_id"},
	{"request_texts", "arch_request a ON a.id = t.request_id"},
	{"staff_actions", "arch_staff a ON a.id = t.id"},
	{"changes", "arch_school a ON a.id = t.school_id"},
	{"provisioning", "arch_school a ON a.id = t.school_id"},
	{"held_removals", "arch_request a ON a.id = t.request_id"},
	{"outbox", "arch_outbox a ON a.id = t.id"},
	{"request_threads", "arch_request a ON a.id = t.request_id"},
	{"auto_replies", "arch_outbox a ON a.id = t.outbox_id"},
	{"commune_senders", "arch_commune a ON a.id = t.commune_id"},
	{"renewals", "arch_commune a ON a.id = t.commune_id"},
}

// notCopied are the tables of the store itself or of the Métropole, not of a commune.
var notCopied = map[string]bool{
	"communes": true, "mailbox_state": true, "job_runs": true, "meta": true, "errors": true, "terminations": true,
	"console_links": true, "console_sessions": true, "directory": true, "directory_state": true,
}

// references says which table's ids a column holds, when copies shift them.
var references = map[string]string{
	"request_id": "requests", "school_id": "schools", "outbox_id": "outbox", "answers": "outbox", "thread": "outbox",
	"staff_action_id": "staff_actions",
}

// copier is what the SQL functions of a copy need: the world and, for each archetype, the
// Message-IDs it made.
type copier struct {
	w       *world
	msgIDs  map[int][]string
	offsets map[string]int64
	mu      sync.Mutex
	cache   map[[2]int]*strings.Replacer
}

var (
	registerOnce sync.Once
	registerErr  error
	current      struct {
		sync.Mutex
		c *copier
	}
)

// register adds bigstore_map(value, arch, round, ids) and bigstore_sha256(blob) to SQLite.
func register() error {
	registerOnce.Do(func() {
		registerErr = msqlite.RegisterDeterministicScalarFunction("bigstore_map", 4, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			c := current.c
			arch, round, ids := int(args[1].(int64)), int(args[2].(int64)), args[3].(int64) != 0
			switch v := args[0].(type) {
			case string:
				return c.mapText(v, arch, round, ids), nil
			case []byte:
				// A message or a mail: its header names the commune; its body is the file or
				// the text as the commune wrote it (encoded), left as it is.
				head, body := v, []byte(nil)
				if i := bytes.Index(v, []byte("\r\n\r\n")); i >= 0 {
					head, body = v[:i], v[i:]
				}
				return append([]byte(c.mapText(string(head), arch, round, ids)), body...), nil
			default:
				return v, nil
			}
		})
		if registerErr != nil {
			return
		}
		registerErr = msqlite.RegisterDeterministicScalarFunction("bigstore_sha256", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var b []byte
			switch v := args[0].(type) {
			case string:
				b = []byte(v)
			case []byte:
				b = v
			}
			sum := sha256.Sum256(b)
			return hex.EncodeToString(sum[:]), nil
		})
	})
	return registerErr
}

var requestNumber = regexp.MustCompile(`(n° |request:)(\d+)`)

// mapText writes, in s, the copy of round round in place of archetype arch: its UAIs, town hall
// domain, name and request numbers, and with ids its Message-IDs (which only the requests' and
// the mails' headers hold).
func (c *copier) mapText(s string, arch, round int, ids bool) string {
	if s == "" {
		return s
	}
	from, to := c.w.communes[arch], c.w.communes[round*c.w.arch+arch]
	if ids && strings.IndexByte(s, '@') >= 0 {
		s = c.idReplacer(arch, round).Replace(s)
	}
	s = mapUAIs(s, from, to)
	for _, stem := range [...]string{"mairie-", "ecoles-"} {
		if old := stem + from.slug; strings.Contains(s, old) {
			s = strings.ReplaceAll(s, old, stem+to.slug)
		}
	}
	if from.name != "Lyon" && strings.Contains(s, from.name) { // "Lyon" is also in the Métropole's own words
		s = strings.ReplaceAll(s, from.name, to.name)
	}
	if strings.Contains(s, "n° ") || strings.Contains(s, "request:") {
		off := c.offsets["requests"] * int64(round)
		s = requestNumber.ReplaceAllStringFunc(s, func(m string) string {
			sub := requestNumber.FindStringSubmatch(m)
			n, _ := strconv.ParseInt(sub[2], 10, 64)
			return sub[1] + strconv.FormatInt(n+off, 10)
		})
	}
	return s
}

// mapUAIs writes to's UAIs in place of from's (samples.UAI numbers: the k-th school of one is the
// k-th of the other), in upper or lower case.
func mapUAIs(s string, from, to commune) string {
	var b []byte
	last := 0
	for i := 0; i+8 <= len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		j := i
		for j < len(s) && j-i < 8 && isDigit(s[j]) {
			j++
		}
		if j-i != 7 || j >= len(s) || !isLetter(s[j]) || (j+1 < len(s) && (isDigit(s[j+1]) || isLetter(s[j+1]))) {
			i = j - 1
			continue
		}
		d, _ := strconv.Atoi(s[i:j])
		n := d - 690000
		if n < from.first || n >= from.first+from.size {
			i = j
			continue
		}
		nu := samples.UAI(n - from.first + to.first)
		if s[j] >= 'a' {
			nu = strings.ToLower(nu)
		}
		b = append(append(b, s[last:i]...), nu...)
		last = j + 1
		i = j
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

func (c *copier) idReplacer(arch, round int) *strings.Replacer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.cache[[2]int{arch, round}]; ok {
		return r
	}
	from, to := c.w.communes[arch], c.w.communes[round*c.w.arch+arch]
	var pairs []string
	for _, id := range c.msgIDs[arch] {
		local, domain, _ := strings.Cut(id, "@")
		pairs = append(pairs, id, local+".c"+strconv.Itoa(to.index)+"@"+strings.ReplaceAll(domain, from.domain, to.domain))
	}
	r := strings.NewReplacer(pairs...)
	c.cache[[2]int{arch, round}] = r
	return r
}

// copyArchetypes makes every commune that is not an archetype a copy of one, in one transaction.
func copyArchetypes(ctx context.Context, path string, w *world, sim *simResult) error {
	if w.rounds == 1 {
		return nil
	}
	if err := register(); err != nil {
		return err
	}
	current.Lock()
	defer current.Unlock()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(0)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-500000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%.80s: %w", q, err)
		}
		return nil
	}

	ids := map[string]int64{} // commune name → id
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM communes`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		ids[name] = id
	}
	rows.Close()
	if err := exec(`CREATE TEMP TABLE arch_commune (id INTEGER PRIMARY KEY, arch INTEGER NOT NULL)`); err != nil {
		return err
	}
	for j := range w.arch {
		if err := exec(`INSERT INTO arch_commune VALUES (?, ?)`, ids[w.communes[j].name], j); err != nil {
			return err
		}
	}
	if err := exec(`CREATE TEMP TABLE arch_request (id INTEGER PRIMARY KEY, arch INTEGER NOT NULL)`); err != nil {
		return err
	}
	for id, j := range sim.arch {
		if err := exec(`INSERT INTO arch_request VALUES (?, ?)`, id, j); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`CREATE TEMP TABLE arch_school (id INTEGER PRIMARY KEY, arch INTEGER NOT NULL)`,
		`INSERT INTO arch_school SELECT s.id, a.arch FROM schools s JOIN arch_commune a ON a.id = s.commune_id`,
		`CREATE TEMP TABLE arch_outbox (id INTEGER PRIMARY KEY, arch INTEGER NOT NULL)`,
		`INSERT INTO arch_outbox SELECT o.id, a.arch FROM outbox o JOIN arch_request a ON a.id = o.request_id`,
		`CREATE TEMP TABLE arch_staff (id INTEGER PRIMARY KEY, arch INTEGER NOT NULL)`,
		`INSERT INTO arch_staff SELECT t.id, coalesce(r.arch, s.arch, c.arch) FROM staff_actions t
			LEFT JOIN arch_request r ON r.id = t.request_id LEFT JOIN arch_school s ON s.id = t.school_id LEFT JOIN arch_commune c ON c.id = t.commune_id
			WHERE coalesce(r.arch, s.arch, c.arch) IS NOT NULL`,
		`CREATE TEMP TABLE round_commune (arch INTEGER PRIMARY KEY, id INTEGER NOT NULL)`,
	} {
		if err := exec(q); err != nil {
			return err
		}
	}

	c := &copier{w: w, msgIDs: map[int][]string{}, offsets: map[string]int64{}, cache: map[[2]int]*strings.Replacer{}}
	current.c = c
	for _, q := range []string{
		`SELECT a.arch, r.message_id FROM requests r JOIN arch_request a ON a.id = r.id WHERE coalesce(r.message_id, '') <> ''`,
		`SELECT a.arch, o.message_id FROM outbox o JOIN arch_outbox a ON a.id = o.id WHERE coalesce(o.message_id, '') <> ''`,
	} {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
			var j int
			var id string
			if err := rows.Scan(&j, &id); err != nil {
				rows.Close()
				return err
			}
			c.msgIDs[j] = append(c.msgIDs[j], id)
		}
		rows.Close()
	}
	// Longer ids first, so that none is replaced inside another.
	for j := range c.msgIDs {
		ids := c.msgIDs[j]
		for i := 1; i < len(ids); i++ {
			for k := i; k > 0 && len(ids[k]) > len(ids[k-1]); k-- {
				ids[k], ids[k-1] = ids[k-1], ids[k]
			}
		}
	}

	// Every table that holds a commune's rows must be known here, so that a new one is not left
	// out of the copies silently.
	known := map[string]bool{}
	for _, cp := range copied {
		known[cp.table] = true
	}
	tables, err := tableNames(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !known[t] && !notCopied[t] && !strings.HasPrefix(t, "sqlite_") {
			return fmt.Errorf("table %s is new to the generator: say how to copy it (internal/bigstore/copy.go)", t)
		}
	}

	inserts := map[string]string{}
	for _, cp := range copied {
		if !contains(tables, cp.table) {
			continue
		}
		var max sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(rowid) FROM `+cp.table).Scan(&max); err != nil {
			return err
		}
		c.offsets[cp.table] = max.Int64 + 1
		if cp.table == "requests" {
			var uid sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(uid) FROM requests`).Scan(&uid); err != nil {
				return err
			}
			c.offsets["uid"] = uid.Int64 + 1
		}
	}
	for _, cp := range copied {
		if !contains(tables, cp.table) {
			continue
		}
		q, err := c.insertQuery(ctx, tx, cp.table, cp.join)
		if err != nil {
			return err
		}
		inserts[cp.table] = q
	}

	for r := 1; r < w.rounds; r++ {
		if err := exec(`DELETE FROM round_commune`); err != nil {
			return err
		}
		for j := range w.arch {
			if err := exec(`INSERT INTO round_commune VALUES (?, ?)`, j, ids[w.communes[r*w.arch+j].name]); err != nil {
				return err
			}
		}
		for _, cp := range copied {
			if q, ok := inserts[cp.table]; ok {
				if err := exec(q, r); err != nil {
					return fmt.Errorf("copy %s: %w", cp.table, err)
				}
			}
		}
		if err := exec(`UPDATE communes AS t SET technical_referent = bigstore_map(s.technical_referent, rc.arch, ?1, 0), project_lead = bigstore_map(s.project_lead, rc.arch, ?1, 0),
			last_list_at = s.last_list_at FROM round_commune rc JOIN arch_commune ac ON ac.arch = rc.arch JOIN communes s ON s.id = ac.id WHERE t.id = rc.id`, r); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// insertQuery writes the INSERT … SELECT that copies table's rows of the archetypes for the
// round given as ?1.
func (c *copier) insertQuery(ctx context.Context, tx *sql.Tx, table, join string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, upper(type) FROM pragma_table_info(?)`, table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cols, exprs []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return "", err
		}
		var e string
		switch {
		case name == "id":
			e = fmt.Sprintf("t.id + %d * ?1", c.offsets[table])
		case references[name] != "":
			e = fmt.Sprintf("t.%s + %d * ?1", name, c.offsets[references[name]])
		case name == "commune_id":
			e = "CASE WHEN t.commune_id IS NULL THEN NULL ELSE (SELECT id FROM round_commune WHERE arch = a.arch) END"
		case table == "requests" && name == "uid":
			e = fmt.Sprintf("t.uid + %d * ?1", c.offsets["uid"])
		case table == "requests" && name == "raw_sha256":
			e = "bigstore_sha256(bigstore_map((SELECT w.raw FROM request_raws w WHERE w.request_id = t.id), a.arch, ?1, 1))"
		case strings.Contains(typ, "INT") || strings.Contains(typ, "REAL") || plain(name):
			e = "t." + name
		case (table == "requests" || table == "request_raws" || table == "outbox") && (name == "raw" || name == "data" || name == "message_id"):
			e = "bigstore_map(t." + name + ", a.arch, ?1, 1)"
		default:
			e = "bigstore_map(t." + name + ", a.arch, ?1, 0)"
		}
		cols = append(cols, `"`+name+`"`)
		exprs = append(exprs, e)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	// The archetypes' rows are those before the first copy's.
	return fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s t JOIN %s WHERE t.rowid < %d ORDER BY t.rowid`,
		table, strings.Join(cols, ", "), strings.Join(exprs, ", "), table, join, c.offsets[table]), nil
}

// plain says column name holds words of the code (a kind, a state) or a time, never a
// commune's.
func plain(name string) bool {
	if strings.HasSuffix(name, "_at") {
		return true
	}
	switch name {
	case "kind", "state", "job", "severity", "format", "content_type", "mailbox", "target", "sheet", "col", "field", "school_year", "status", "raw_sha256", "sha256":
		return true
	}
	return false
}

func tableNames(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
