package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/laclasse/intake/sqlite"
)

// TestWiring builds the daemon through the real wiring from config.example.toml, and from a
// variant with every optional section and every optional key set to a non-default value. For
// every TOML key of Config (found by walking the struct, so that a key added later is covered
// too) it sets the key to a distinctive value and checks that the wired daemon changes with it:
// a key that is parsed but reaches no component fails.
func TestWiring(t *testing.T) {
	dir := t.TempDir()
	example := exampleConfig(t, dir)
	keys := keyPaths(reflect.TypeOf(Config{}), "")
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in Config: %v", len(keys), keys)
	}

	variant := strings.ReplaceAll(example, "#~ ", "") // the optional [laclasse] section
	variant = setNonDefaults(t, dir, variant, keys)

	for _, base := range []struct{ name, text string }{{"example", example}, {"variant", variant}} {
		t.Run(base.name, func(t *testing.T) {
			baseMap := decodeMap(t, base.text)
			baseCfg, err := ParseConfig([]byte(base.text))
			if err != nil {
				t.Fatalf("the %s configuration does not validate: %v", base.name, err)
			}
			before := observe(t, dir, baseCfg)
			if again := observe(t, dir, baseCfg); !reflect.DeepEqual(before, again) {
				t.Fatalf("two daemons wired from the same configuration differ: %v", diff(before, again))
			}
			covered := 0
			for _, key := range keys {
				if !sectionPresent(baseMap, key) {
					continue // [laclasse] in the example: the variant covers it
				}
				value := distinctive(t, dir, key, baseMap, baseCfg, 1)
				m := decodeMap(t, base.text)
				setKey(m, key, value)
				text := encodeMap(t, m)
				cfg, err := ParseConfig([]byte(text))
				if err != nil {
					t.Errorf("%s = %#v: the distinctive value is refused (give the key valid candidates in wiringCandidates): %v", key, value, err)
					continue
				}
				after := observe(t, dir, cfg)
				if d := diff(before, after); len(d) == 0 {
					t.Errorf("%s = %#v is parsed but reaches no component of the wired daemon", key, value)
				} else {
					covered++
					t.Logf("%s reaches %s", key, strings.Join(d, ", "))
				}
			}
			t.Logf("%d keys reach the daemon", covered)
		})
	}
}

// exampleConfig returns config.example.toml with its password files and its store in dir.
func exampleConfig(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, name := range []string{"imap-password", "smtp-password", "laclasse-key", "console-oidc-secret"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("example-"+name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, "/etc/intaked/"+name, p)
	}
	return strings.ReplaceAll(text, "/var/lib/intaked/intake.db", filepath.Join(dir, "intake.db"))
}

// keyPaths returns the TOML path of every key under the struct type t, [[commune]] keys as
// commune[0].name.
func keyPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(Duration{}):
			out = append(out, path)
		case ft.Kind() == reflect.Struct:
			out = append(out, keyPaths(ft, path)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, keyPaths(ft.Elem(), path+"[0]")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// segments splits "commune[0].name" into "commune", 0, "name"; an index is an int.
func segments(key string) []any {
	var out []any
	for _, part := range strings.Split(key, ".") {
		name, idx, ok := strings.Cut(part, "[")
		out = append(out, name)
		if ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			out = append(out, n)
		}
	}
	return out
}

// node returns the table holding key's last segment in m, creating tables on the way when
// create; nil if it is absent.
func node(m map[string]any, key string, create bool) (map[string]any, string) {
	segs := segments(key)
	cur := m
	for i := 0; i < len(segs)-1; i++ {
		name := segs[i].(string)
		if n, ok := segs[i+1].(int); ok {
			list, _ := cur[name].([]map[string]any)
			if n >= len(list) {
				return nil, ""
			}
			cur = list[n]
			i++
			continue
		}
		next, ok := cur[name].(map[string]any)
		if !ok {
			if !create {
				return nil, ""
			}
			next = map[string]any{}
			cur[name] = next
		}
		cur = next
	}
	return cur, segs[len(segs)-1].(string)
}

// sectionPresent reports whether the table holding key is in m.
func sectionPresent(m map[string]any, key string) bool {
	n, _ := node(m, key, false)
	return n != nil
}

// exclusive are keys of which only one may be set: setting one removes the other.
var exclusive = map[string]string{
	"imap.password": "imap.password_file", "imap.password_file": "imap.password",
	"smtp.password": "smtp.password_file", "smtp.password_file": "smtp.password",
	"laclasse.app_key": "laclasse.app_key_file", "laclasse.app_key_file": "laclasse.app_key",
	"console.oidc.client_secret": "console.oidc.client_secret_file", "console.oidc.client_secret_file": "console.oidc.client_secret",
}

func setKey(m map[string]any, key string, value any) {
	n, leaf := node(m, key, true)
	n[leaf] = value
	if other, ok := exclusive[key]; ok {
		if n, leaf := node(m, other, false); n != nil {
			delete(n, leaf)
		}
	}
}

func decodeMap(t *testing.T, text string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if _, err := toml.Decode(text, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encodeMap(t *testing.T, m map[string]any) string {
	t.Helper()
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// configValue returns the value of key in cfg.
func configValue(cfg *Config, key string) reflect.Value {
	v := reflect.ValueOf(cfg).Elem()
	for _, seg := range segments(key) {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		if n, ok := seg.(int); ok {
			if n >= v.Len() {
				return reflect.Value{}
			}
			v = v.Index(n)
			continue
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("toml"), ","); name == seg {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return reflect.Value{}
		}
	}
	return v
}

// wiringCandidates are valid values for keys that validation constrains, tried in order (the
// first one that differs from the value in place is taken). Other keys get a value built from
// their type: see distinctive.
var wiringCandidates = map[string][]any{
	"imap.address":                      []any{"imap.distinct.example:1993", "imap.other.example:2993"},
	"smtp.address":                      []any{"smtp.distinct.example:1587", "smtp.other.example:2587"},
	"http.address":                      []any{"127.0.0.1:19464", "127.0.0.1:29464"},
	"imap.tls":                          []any{"starttls", "none", "implicit"},
	"smtp.tls":                          []any{"implicit", "none", "starttls"},
	"smtp.from":                         []any{"distinct@distinct.example", "other@other.example"},
	"metropole.timezone":                []any{"Europe/Brussels", "America/Montreal"},
	"log.format":                        []any{"json", "text"},
	"log.level":                         []any{"debug", "warn", "error"},
	"calendar.campaign_start":           []any{"04-20", "04-25"},
	"calendar.renewal":                  []any{"06-25", "06-27"},
	"calendar.yearly_update":            []any{"07-05", "07-08"},
	"calendar.hold_removals_over_share": []any{0.5, 0.25},
	"schedule.commune_reminders":        []any{[]any{"17 5 2 6 *"}, []any{"23 6 3 6 *"}},
	"laclasse.url":                      []any{"https://distinct.example", "https://other.example"},
	"directory.url":                     []any{"https://annuaire.distinct.example/a.csv", "https://annuaire.other.example/b.csv"},
	"commune[0].name":                   []any{"Distinctville", "Otherville"},
	"commune[0].insee":                  []any{"69123", "69381"},
	"commune[0].senders":                []any{[]any{"@distinct.example"}, []any{"someone@other.example"}},
	"commune[0].dkim_domains":           []any{[]any{"distinct.example"}, []any{"other.example"}},
	"commune[0].convention_start":       []any{"2024-01-15", "2022-03-01"},
	"console.address":                   []any{"127.0.0.1:18480", "127.0.0.1:28480"},
	"console.public_url":                []any{"https://distinct.example", "https://other.example"},
	"console.oidc.issuer":               []any{"https://sso.distinct.example", "https://sso.other.example"},
	"console.staff[0].email":            []any{"distinct@distinct.example", "other@other.example"},
	"console.staff[0].role":             []any{"lecture", "gestion"},
}

// cronKey matches the keys holding a cron spec.
var cronKey = regexp.MustCompile(`^schedule\.`)

// distinctive returns the n-th distinctive value for key, different from its value in base.
func distinctive(t *testing.T, dir, key string, base map[string]any, cfg *Config, n int) any {
	t.Helper()
	current := any(nil)
	if nd, leaf := node(base, key, false); nd != nil {
		current = nd[leaf]
	}
	differs := func(v any) bool { return fmt.Sprint(v) != fmt.Sprint(current) }
	cands := wiringCandidates[key]
	if cands == nil && cronKey.MatchString(key) {
		cands = []any{"17 5 * * *", "23 6 * * *"}
	}
	if cands != nil {
		for _, c := range cands[n-1:] {
			if differs(c) {
				return c
			}
		}
		for _, c := range cands {
			if differs(c) {
				return c
			}
		}
		t.Fatalf("%s: every candidate equals %v", key, current)
	}
	for i := n; i < n+3; i++ {
		if v := generated(t, dir, key, cfg, i); differs(v) {
			return v
		}
	}
	t.Fatalf("%s: no generated value differs from %v", key, current)
	return nil
}

// generated returns the n-th value built for key from its type.
func generated(t *testing.T, dir, key string, cfg *Config, n int) any {
	t.Helper()
	leaf := key[strings.LastIndex(key, ".")+1:]
	switch {
	case strings.HasSuffix(leaf, "_file"): // a file holding a secret
		p := filepath.Join(dir, fmt.Sprintf("distinct-%d-%s", n, leaf))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("distinct-%d-secret-of-%s\n", n, key)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	case key == "store.path":
		return filepath.Join(dir, fmt.Sprintf("distinct-%d.db", n))
	}
	v := configValue(cfg, key)
	if !v.IsValid() {
		v = configValue(&Config{Laclasse: &LaclasseConfig{}, Communes: make([]CommuneConfig, 1)}, key)
	}
	switch {
	case v.Type() == reflect.TypeOf(Duration{}):
		return fmt.Sprintf("%dm13s", 6+n)
	case v.Kind() == reflect.String:
		return fmt.Sprintf("distinct-%d-%s", n, leaf)
	case v.Kind() == reflect.Int:
		return v.Int() + int64(7*n)
	case v.Kind() == reflect.Bool:
		return !v.Bool()
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		return []any{fmt.Sprintf("distinct-%d@%s.example", n, strings.ReplaceAll(leaf, "_", "-"))}
	}
	t.Fatalf("%s: no distinctive value for a %s: add candidates to wiringCandidates", key, v.Type())
	return nil
}

// setNonDefaults sets every key of text whose value is the default to a distinctive one: the
// variant with every optional key set.
func setNonDefaults(t *testing.T, dir, text string, keys []string) string {
	t.Helper()
	cfg, err := ParseConfig([]byte(text))
	if err != nil {
		t.Fatalf("the example with [laclasse] does not validate: %v", err)
	}
	def := DefaultConfig()
	def.Laclasse = &LaclasseConfig{}
	def.Communes = make([]CommuneConfig, len(cfg.Communes))
	m := decodeMap(t, text)
	for _, key := range keys {
		if _, ok := exclusive[key]; ok && !strings.HasSuffix(key, "_file") {
			continue // the example sets the _file of the pair
		}
		if key == "store.path" {
			continue
		}
		got, want := configValue(cfg, key), configValue(&def, key)
		if got.IsValid() && want.IsValid() && reflect.DeepEqual(got.Interface(), want.Interface()) {
			setKey(m, key, distinctive(t, dir, key, m, cfg, 1))
		}
	}
	return encodeMap(t, m)
}

// observe wires a daemon for cfg, through the store's opening, and returns what can be seen of
// it: every field of every component, and the store files in dir.
func observe(t *testing.T, dir string, cfg *Config) map[string]string {
	t.Helper()
	ctx := context.Background()
	existing, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Now: func() time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) }}
	store, err := m.openStore(ctx, cfg)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer store.Close()
	d := m.wire(cfg, store)
	out := map[string]string{}
	seen := map[uintptr]bool{}
	for name, v := range map[string]any{
		"handler": d.handler, "watcher": d.watcher, "calendar": d.calendar, "scheduler": d.scheduler,
		"outbox": d.outbox, "provisioner": d.provision, "http": d.http, "console": d.console,
	} {
		dump(out, seen, name, reflect.ValueOf(v))
	}
	out["log.handler"] = reflect.TypeOf(d.log.Handler()).String()
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		out["log.enabled."+l.String()] = strconv.FormatBool(d.log.Enabled(ctx, l))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	out["store.files"] = strings.Join(files, " ")
	// The stores this observation created go, so that the next one sees only its own.
	for _, f := range files {
		if !slices.Contains(existing, f) {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(f + suffix)
			}
		}
	}
	return out
}

var (
	storeType  = reflect.TypeOf(&sqlite.DB{})
	loggerType = reflect.TypeOf(&slog.Logger{})
)

// dump records the leaves under v at path: strings, numbers and booleans, through structs
// (unexported fields too), pointers, slices and maps. The store, loggers and functions are left
// out: they are the same for every configuration, or not comparable.
func dump(out map[string]string, seen map[uintptr]bool, path string, v reflect.Value) {
	if !v.IsValid() {
		out[path] = "<nil>"
		return
	}
	if v.Type() == storeType || v.Type() == loggerType {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			out[path] = "<nil>"
			return
		}
		if seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		defer delete(seen, v.Pointer())
		dump(out, seen, path, v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			out[path] = "<nil>"
			return
		}
		dump(out, seen, path, v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			dump(out, seen, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		out[path+".len"] = strconv.Itoa(v.Len())
		for i := 0; i < v.Len(); i++ {
			dump(out, seen, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		out[path+".len"] = strconv.Itoa(len(keys))
		for _, k := range keys {
			dump(out, seen, fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k))
		}
	case reflect.String:
		out[path] = v.String()
	case reflect.Bool:
		out[path] = strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out[path] = strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		out[path] = strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		out[path] = strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// behaviour, not configuration
	}
}

// diff returns the paths whose values differ between a and b, at most five, shortened to their
// component and field.
func diff(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… (%d more)", len(out)-5))
	}
	return out
}
