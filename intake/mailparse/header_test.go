package mailparse

import (
	"bufio"
	"math/rand/v2"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestPartFilename(t *testing.T) {
	for _, tc := range []struct {
		name, disposition, contentType, want string
	}{
		{"quoted", `attachment; filename="liste.xlsx"`, "", "liste.xlsx"},
		{"unquoted", `attachment; filename=liste.xlsx`, "", "liste.xlsx"},
		{"unquoted with spaces and specials", `attachment; filename=liste (2024) v2.xlsx ; size=12`, "", "liste (2024) v2.xlsx"},
		{"RFC 2231 ISO-8859-1", `attachment; filename*=iso-8859-1''%E9cole.xlsx`, "", "école.xlsx"},
		{"RFC 2231 quoted, language", `attachment; filename*="UTF-8'fr'%C3%A9cole%2Exlsx"`, "", "école.xlsx"},
		{"RFC 2231 ISO-8859-15 euro", `attachment; filename*=ISO-8859-15''co%FBt%20%A4.csv`, "", "coût €.csv"},
		{"RFC 2231 Windows-1252", `attachment; filename*=windows-1252''%93liste%94.csv`, "", "“liste”.csv"},
		{"RFC 2231 unknown charset", `attachment; filename*=x-unknown''%C3%A9cole.csv`, "", "école.csv"},
		{"RFC 2231 without quotes", `attachment; filename*=%C3%A9cole.csv`, "", "école.csv"},
		{"RFC 2231 bad percent", `attachment; filename*=utf-8''100%25%ZZ.csv`, "", "100%%ZZ.csv"},
		{"extended wins over plain", `attachment; filename="ecole.xlsx"; filename*=UTF-8''%C3%A9cole.xlsx`, "", "école.xlsx"},
		{"continuations out of order", `attachment; filename*1="s.ods"; filename*0="ecole`, "", "ecoles.ods"},
		{"encoded continuations", `attachment; filename*0*=ISO-8859-1''%C9cole; filename*1*=%20%E0%20Lyon; filename*2=.csv`, "", "École à Lyon.csv"},
		{"encoded-words in continuations", `attachment; filename*0="=?UTF-8?Q?=C3=A9co?="; filename*1="=?UTF-8?Q?les.csv?="`, "", "écoles.csv"},
		{"RFC 2047 Q", `attachment; filename="=?UTF-8?Q?=C3=A9coles_2024.xlsx?="`, "", "écoles 2024.xlsx"},
		{"RFC 2047 B Latin-1", "", `text/csv; name="=?ISO-8859-1?B?6WNvbGVzLmNzdg==?="`, "écoles.csv"},
		{"RFC 2047 split UTF-8 character", `attachment; filename="=?UTF-8?B?w6k=?= =?UTF-8?B?wqk=?=.csv"`, "", "é©.csv"},
		{"RFC 2047 unknown charset", `attachment; filename="=?x-bogus?Q?liste=2Ecsv?="`, "", "liste.csv"},
		{"RFC 2047 unquoted", `attachment; filename==?utf-8?q?=C3=A9cole.csv?=`, "", "école.csv"},
		{"raw UTF-8", "attachment; filename=\"\xc3\xa9cole.csv\"", "", "école.csv"},
		{"raw Latin-1", "attachment; filename=\"\xe9cole.csv\"", "", "école.csv"},
		{"duplicated keeps first", `attachment; filename="a.csv"; filename="b.csv"`, "", "a.csv"},
		{"case of names", `Attachment; FileName="A.CSV"`, "", "A.CSV"},
		{"name from Content-Type", "attachment", `application/vnd.ms-excel; name="ecoles.xls"`, "ecoles.xls"},
		{"blank filename falls back to name", `attachment; filename=""`, `application/pdf; name="x.pdf"`, "x.pdf"},
		{"missing semicolon", "", `application/pdf name="facture.pdf"`, "facture.pdf"},
		{"missing closing quote", `attachment; filename="liste.csv`, "", "liste.csv"},
		{"escaped quote, Windows path kept", `attachment; filename="C:\dossier\dit \"bis\".csv"`, "", `C:\dossier\dit "bis".csv`},
		{"control characters removed", "attachment; filename=\"a\x01b\tc.csv \"", "", "abc.csv"},
		{"non-standard file parameter", "", `application/octet-stream; file="LISTE.CSV"`, "LISTE.CSV"},
		{"no name", "attachment", "application/octet-stream", ""},
		{"value missing", `; filename=x.csv`, "", "x.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := partFilename(parseHeaderValue(tc.disposition), parseHeaderValue(tc.contentType))
			if got != tc.want {
				t.Errorf("filename = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseHeaderValue(t *testing.T) {
	for _, tc := range []struct {
		in, value string
		params    map[string]string
	}{
		{`Multipart/Mixed; Boundary="A b"`, "multipart/mixed", map[string]string{"boundary": "A b"}},
		{`text/plain;charset="charset=us-ascii"`, "text/plain", map[string]string{"charset": "charset=us-ascii"}},
		{`application/pdf name=""`, "application/pdf", map[string]string{"name": ""}},
		{`text/plain; format=flowed; charset=UTF-8;`, "text/plain", map[string]string{"format": "flowed", "charset": "UTF-8"}},
		{`inline`, "inline", map[string]string{}},
		{``, "", map[string]string{}},
		{`name=x`, "", map[string]string{"name": "x"}},
		{`text/plain; junk; a = 1`, "text/plain", map[string]string{"a": "1"}},
	} {
		hv := parseHeaderValue(tc.in)
		if hv.value != tc.value || len(hv.params) != len(tc.params) {
			t.Errorf("parseHeaderValue(%q) = %q %q, want %q %q", tc.in, hv.value, hv.params, tc.value, tc.params)
			continue
		}
		for k, v := range tc.params {
			if hv.params[k] != v {
				t.Errorf("parseHeaderValue(%q)[%q] = %q, want %q", tc.in, k, hv.params[k], v)
			}
		}
	}
}

func TestParseFrom(t *testing.T) {
	for _, tc := range []struct{ in, addr, name, problem string }{
		{in: `Mairie <Mairie@Commune.FR>`, addr: "mairie@commune.fr", name: "Mairie"},
		{in: `"Dupont, Marie" <marie@commune.fr>`, addr: "marie@commune.fr", name: "Dupont, Marie"},
		{in: `=?UTF-8?Q?Mairie_de_Saint-=C3=89tienne?= <m@se.fr>`, addr: "m@se.fr", name: "Mairie de Saint-Étienne"},
		{in: `=?ISO-8859-1?Q?Secr=E9tariat_de_mairie?= <Secretariat@Mairie-Exemple.FR>`, addr: "secretariat@mairie-exemple.fr", name: "Secrétariat de mairie"},
		{in: "=?x-bogus?Q?Mairie?= <m@se.fr>", addr: "m@se.fr", name: "Mairie"},
		{in: "\"Secr\xe9tariat\" <s@c.fr>", addr: "s@c.fr", name: "Secrétariat"},
		{in: `Secrétariat général <secretariat@mairie-givors.fr>`, addr: "secretariat@mairie-givors.fr", name: "Secrétariat général"},
		{in: `marie@commune.fr (Marie)`, addr: "marie@commune.fr", name: "Marie"},
		{in: `marie@commune.fr`, addr: "marie@commune.fr"},
		{in: `<marie@commune.fr>`, addr: "marie@commune.fr"},
		{in: `=?utf-8?q?marie=40commune.fr?= <marie@commune.fr>`, addr: "marie@commune.fr", name: "marie@commune.fr"},
		// The tolerant reading took the first <...>, here inside the quoted name.
		{in: `"Eve <secretariat@mairie-givors.fr>" eve@attacker.example`, problem: "pas lisible"},
		{in: `=?utf-8?q?secretariat=40mairie-givors.fr?=`, problem: "mot encodé"},
		{in: `=?utf-8?q?secretariat=40mairie-givors.fr?= <eve@attacker.example>`, problem: "cache l'adresse secretariat@mairie-givors.fr"},
		{in: `"=?utf-8?b?c2VjcmV0YXJpYXRAbWFpcmllLWdpdm9ycy5mcg==?=" <eve@attacker.example>`, problem: "mot encodé"},
		{in: `Bob Dunite <bob@extern> Bobby Dunite <bobby@extern>`, problem: "pas lisible"},
		{in: `a@commune.fr, b@commune.fr`, problem: "2 adresses"},
		{in: `Mairie: secretariat@mairie-givors.fr;`, problem: "groupe"},
		{in: `undisclosed-recipients:;`, problem: "groupe vide"},
		{in: `Mail Delivery Subsystem <MAILER-DAEMON>`, problem: "pas lisible"},
		{in: `marie@commune.fr;`, problem: "pas lisible"},
		{in: ``, problem: "pas d'expéditeur"},
	} {
		addr, name, problem := parseFrom(tc.in)
		if addr != tc.addr || name != tc.name || (tc.problem == "") != (problem == "") || !strings.Contains(problem, tc.problem) {
			t.Errorf("parseFrom(%q) = %q, %q, %q; want %q, %q, %q", tc.in, addr, name, problem, tc.addr, tc.name, tc.problem)
		}
	}
	if validAddress("mailer-daemon") || !validAddress("a@b.fr") || validAddress("@b.fr") {
		t.Error("validAddress")
	}
}

func TestShowHeader(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"Secrétariat" <s@c.fr>`, `"Secrétariat" <s@c.fr>`},
		{"a\x1b[31mb\u009bc\rd\te", `a\x1b[31mb\u009bc\x0dd\x09e`},
		{"Secr\xe9tariat", `Secr\xe9tariat`},
		{"x\u202ey", `x\u202ey`},
	} {
		if got := showHeader(tc.in); got != tc.want {
			t.Errorf("showHeader(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := showHeader(strings.Repeat("\x1b", 2000)); len(got) > maxShownHeader+10 {
		t.Errorf("showHeader of 2000 ESC is %d bytes", len(got))
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 9, 3, 8, 15, 0, 0, time.UTC)
	for _, in := range []string{
		"Tue, 3 Sep 2024 10:15:00 +0200",
		"Tue, 03 Sep 2024 10:15:00 +0200 (CEST)",
		"3 Sep 2024 10:15:00 +0200",
		"Tue,  3 Sep 2024 10:15 +0200",
		"2024-09-03T10:15:00+02:00",
		"Tue, 3 Sep 2024 08:15:00 GMT",
	} {
		if got := parseDate(in); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	}
	for _, in := range []string{"", "demain", "Tue, 45 Sep 2024 10:15:00 +0200"} {
		if got := parseDate(in); !got.IsZero() {
			t.Errorf("parseDate(%q) = %v, want zero", in, got)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"<a@b> <c@d>", "a@b c@d"},
		{"<a@b> (Message de Marie du 3 septembre)", "a@b"},
		{"a@b", "a@b"},
		{"<>", ""},
		{"<a@b", "a@b"},
	} {
		if got := strings.Join(messageIDs(tc.in), " "); got != tc.want {
			t.Errorf("messageIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadHeader(t *testing.T) {
	raw := "From bob Tue Sep  3 10:15:00 2024\r\n" +
		" orphan continuation\r\n" +
		"From: a@b.fr\r\n" +
		"Subject: un\r\n" +
		"\tdeux\r\n" +
		"garbage line\r\n" +
		"\tcontinuation of garbage\r\n" +
		"X-Key : value\r\n" +
		"\r\n" +
		"body: not a header\r\n"
	br := bufio.NewReader(strings.NewReader(raw))
	h, n := readHeader(br)
	if n != 3 {
		t.Errorf("%d fields, want 3", n)
	}
	if got := h.Get("Subject"); got != "un deux" {
		t.Errorf("Subject = %q", got)
	}
	if got := h.Get("X-Key"); got != "value" {
		t.Errorf("X-Key = %q", got)
	}
	if h.Has("Body") {
		t.Error("the body was read as header")
	}
	rest, _ := br.ReadString('\n')
	if rest != "body: not a header\r\n" {
		t.Errorf("body starts with %q", rest)
	}
}

// TestParseFromField checks what Parse keeps of the From field: one sender, or why none, with
// the field as received and decoded for staff.
func TestParseFromField(t *testing.T) {
	for _, tc := range []struct {
		name, header                      string
		from, fromName, problem, raw, dec string
		replyTo                           string
	}{
		{name: "OK", header: "From: =?UTF-8?Q?Secr=C3=A9tariat_g=C3=A9n=C3=A9ral?=\r\n <Secretariat@Mairie-Givors.fr>\r\nReply-To: accueil@mairie-givors.fr\r\n",
			from: "secretariat@mairie-givors.fr", fromName: "Secrétariat général",
			raw: "=?UTF-8?Q?Secr=C3=A9tariat_g=C3=A9n=C3=A9ral?= <Secretariat@Mairie-Givors.fr>", dec: "Secrétariat général <Secretariat@Mairie-Givors.fr>",
			replyTo: "accueil@mairie-givors.fr"},
		{name: "ErrQuotedAngle", header: "From: \"Eve <secretariat@mairie-givors.fr>\"\r\n eve@attacker.example\r\n",
			problem: "pas lisible", raw: `"Eve <secretariat@mairie-givors.fr>" eve@attacker.example`, dec: `"Eve <secretariat@mairie-givors.fr>" eve@attacker.example`},
		{name: "ErrEncodedAddress", header: "From: =?utf-8?q?secretariat=40mairie-givors.fr?=\r\n",
			problem: "mot encodé", raw: "=?utf-8?q?secretariat=40mairie-givors.fr?=", dec: "secretariat@mairie-givors.fr"},
		{name: "ErrTwoFromFields", header: "From: secretariat@mairie-givors.fr\r\nFrom: eve@attacker.example\r\n",
			problem: "2 champs From", raw: "secretariat@mairie-givors.fr", dec: "secretariat@mairie-givors.fr"},
		{name: "ErrControls", header: "From: \"Mairie\x1b[2K\" <x@y.fr>, z@y.fr\r\n",
			problem: "pas lisible", raw: `"Mairie\x1b[2K" <x@y.fr>, z@y.fr`, dec: `"Mairie\x1b[2K" <x@y.fr>, z@y.fr`},
		{name: "ErrAbsent", header: "Subject: x\r\n", problem: "pas d'expéditeur"},
		{name: "ReplyToList", header: "From: a@b.fr\r\nReply-To: a@b.fr, c@d.fr\r\n", from: "a@b.fr", raw: "a@b.fr", dec: "a@b.fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.header+"\r\nbody\r\n"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.From != tc.from || m.FromName != tc.fromName || m.FromRaw != tc.raw || m.FromDecoded != tc.dec || m.ReplyTo != tc.replyTo {
				t.Errorf("From %q, FromName %q, FromRaw %q, FromDecoded %q, ReplyTo %q\nwant %q, %q, %q, %q, %q",
					m.From, m.FromName, m.FromRaw, m.FromDecoded, m.ReplyTo, tc.from, tc.fromName, tc.raw, tc.dec, tc.replyTo)
			}
			if (tc.problem == "") != (m.FromError == "") || !strings.Contains(m.FromError, tc.problem) {
				t.Errorf("FromError = %q, want %q", m.FromError, tc.problem)
			}
		})
	}
}

// TestParseDateFastPath: wherever time.RFC1123Z reads a date, mail.ParseDate (which parseDate
// used first before) reads the same instant in the same zone.
func TestParseDateFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 22))
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	zones := []*time.Location{time.UTC, paris, time.FixedZone("", -7*3600), time.FixedZone("", 5*3600+1800), time.Local}
	var inputs []string
	for range 2000 {
		d := time.Unix(rng.Int64N(4e9), 0).In(zones[rng.IntN(len(zones))])
		for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "02 Jan 2006 15:04:05 -0700", time.RFC1123Z + " (MST)"} {
			inputs = append(inputs, d.Format(layout))
		}
	}
	inputs = append(inputs, "Tue, 03 Sep 2024 10:15:00 +0200", "Wed, 03 Sep 2024 10:15:00 +0200", "Tue, 03 Sep 2024 24:15:00 +0200",
		"Tue, 31 Feb 2024 10:15:00 +0200", "Tue, 03 Sep 2024 10:15:00 +9999", "Tue, 03 Sep 2024 10:15:00 -0000", "Tue, 03 Sep 24 10:15:00 +0200")
	fast := 0
	for _, in := range inputs {
		got, err := time.Parse(time.RFC1123Z, in)
		if err != nil {
			continue
		}
		fast++
		want, err := mail.ParseDate(in)
		if err != nil {
			t.Errorf("%q: RFC1123Z reads %v, mail.ParseDate fails: %v", in, got, err)
			continue
		}
		gn, gOff := got.Zone()
		wn, wo := want.Zone()
		if !got.Equal(want) || gn != wn || gOff != wo || got.Location().String() != want.Location().String() {
			t.Errorf("%q: RFC1123Z reads %v, mail.ParseDate %v", in, got, want)
		}
		if p := parseDate(in); !p.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, p, want)
		}
	}
	if fast < 4000 {
		t.Errorf("the fast path read %d dates of %d", fast, len(inputs))
	}
}
