package mailparse

import (
	"bufio"
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

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct{ in, addr, name string }{
		{`Mairie <Mairie@Commune.FR>`, "mairie@commune.fr", "Mairie"},
		{`"Dupont, Marie" <marie@commune.fr>`, "marie@commune.fr", "Dupont, Marie"},
		{`=?UTF-8?Q?Mairie_de_Saint-=C3=89tienne?= <m@se.fr>`, "m@se.fr", "Mairie de Saint-Étienne"},
		{"=?x-bogus?Q?Mairie?= <m@se.fr>", "m@se.fr", "Mairie"},
		{"\"Secr\xe9tariat\" <s@c.fr>", "s@c.fr", "Secrétariat"},
		{`marie@commune.fr (Marie)`, "marie@commune.fr", "Marie"},
		{`Bob Dunite <bob@extern> Bobby Dunite <bobby@extern>`, "bob@extern", "Bob Dunite"},
		{`Mail Delivery Subsystem <MAILER-DAEMON>`, "mailer-daemon", "Mail Delivery Subsystem"},
		{`marie@commune.fr;`, "marie@commune.fr", ""},
		{`undisclosed-recipients:;`, "", ""},
		{``, "", ""},
	} {
		addr, name := parseAddress(tc.in)
		if addr != tc.addr || name != tc.name {
			t.Errorf("parseAddress(%q) = %q, %q; want %q, %q", tc.in, addr, name, tc.addr, tc.name)
		}
	}
	if validAddress("mailer-daemon") || !validAddress("a@b.fr") || validAddress("@b.fr") {
		t.Error("validAddress")
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
