package mailparse

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// Contents of the test attachments.
var (
	xlsxData = []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00fake workbook \x00\xff\xfe\x80 end")
	odsData  = []byte("PK\x03\x04\x0a\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
	csvData  = []byte("UAI;Nom;Directeur\r\n0691234A;École Jean Moulin;Mme Dupont\r\n")
	latinCSV = []byte("UAI;Nom\r\n0691234A;\xc9cole du Centre\r\n")
)

// b64 encodes data in base64 lines of 76 characters, as mailers do.
func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// placeholders are replaced in the test messages by base64 attachment contents.
var placeholders = strings.NewReplacer(
	"{{XLSX}}", b64(xlsxData),
	"{{ODS}}", b64(odsData),
	"{{CSV}}", b64(csvData),
	"{{LATINCSV}}", b64(latinCSV),
)

// crlf writes a test message with placeholders filled and CRLF line endings, as received.
func crlf(s string) string {
	return strings.ReplaceAll(placeholders.Replace(s), "\n", "\r\n")
}

// lf writes a test message with placeholders filled and bare LF line endings.
func lf(s string) string { return placeholders.Replace(s) }

// wantAttachment is an expected attachment; a nil data is not checked.
type wantAttachment struct {
	filename, contentType, path string
	inline                      bool
	data                        []byte
}

// want is the expectation of a table case. Only non-zero envelope fields are checked; the
// attachments and the automatic reason always are. problems are substrings that must each be
// found in one problem, and no other problem may be reported.
type want struct {
	from, fromName, replyTo, subject, messageID string
	date                                        time.Time
	refs                                        []string
	automatic                                   string
	tnef                                        bool
	attachments                                 []wantAttachment
	problems                                    []string
}

// parseCase is a message of the table tests, also a seed of FuzzParse.
type parseCase struct {
	name string
	raw  string
	lim  Limits
	want want
}

var parseCases = []parseCase{
	{
		name: "adhesion with an accented RFC 2231 ISO-8859-1 file name",
		raw: crlf(`Return-Path: <secretariat@mairie-exemple.fr>
Received: from mx.mairie-exemple.fr (mx.mairie-exemple.fr [192.0.2.10])
	by mx.laclasse.com with ESMTPS; Tue, 3 Sep 2024 10:15:02 +0200
From: =?ISO-8859-1?Q?Secr=E9tariat_de_mairie?= <Secretariat@Mairie-Exemple.FR>
Reply-To: "Direction" <direction@mairie-exemple.fr>
To: partenariat@laclasse.com
Subject: =?ISO-8859-1?Q?Adh=E9sion_=E0_la_convention?=
Date: Tue, 3 Sep 2024 10:15:00 +0200
Message-ID: <20240903101500.1234@mairie-exemple.fr>
In-Reply-To: <abc@laclasse.com>
References: <first@laclasse.com>
 <abc@laclasse.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="----=_Part_1_2024"

Ceci est un message au format MIME.
------=_Part_1_2024
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Bonjour, veuillez trouver ci-joint la liste des =E9coles.
------=_Part_1_2024
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
 name*=iso-8859-1''%E9coles%20de%20la%20commune.xlsx
Content-Disposition: attachment;
 filename*=iso-8859-1''%E9coles%20de%20la%20commune.xlsx
Content-Transfer-Encoding: base64

{{XLSX}}
------=_Part_1_2024--
`),
		want: want{
			from:      "secretariat@mairie-exemple.fr",
			fromName:  "Secrétariat de mairie",
			replyTo:   "direction@mairie-exemple.fr",
			subject:   "Adhésion à la convention",
			messageID: "20240903101500.1234@mairie-exemple.fr",
			date:      time.Date(2024, 9, 3, 8, 15, 0, 0, time.UTC),
			refs:      []string{"first@laclasse.com", "abc@laclasse.com"},
			attachments: []wantAttachment{{
				filename:    "écoles de la commune.xlsx",
				contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				path:        "2",
				data:        xlsxData,
			}},
		},
	},
	{
		name: "RFC 2047 file names in UTF-8 Q and ISO-8859-1 B",
		raw: crlf(`From: Mairie <mairie@commune.fr>
Subject: =?UTF-8?B?TGlzdGUgZGVzIMOpY29sZXM=?=
Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
Content-Disposition: attachment; filename="=?UTF-8?Q?=C3=A9coles_maternelles.xlsx?="
Content-Transfer-Encoding: base64

{{XLSX}}
--b1
Content-Type: text/csv; name="=?ISO-8859-1?B?6WNvbGVzLmNzdg==?="
Content-Transfer-Encoding: base64

{{CSV}}
--b1--
`),
		want: want{
			from:    "mairie@commune.fr",
			subject: "Liste des écoles",
			attachments: []wantAttachment{
				{filename: "écoles maternelles.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", path: "1", data: xlsxData},
				{filename: "écoles.csv", contentType: "text/csv", path: "2", data: csvData},
			},
		},
	},
	{
		name: "RFC 2231 continuations, encoded and plain",
		raw: crlf(`From: mairie@commune.fr
Subject: Liste
Content-Type: multipart/mixed; boundary="sep"

--sep
Content-Type: application/vnd.oasis.opendocument.spreadsheet
Content-Disposition: attachment;
 filename*0*=UTF-8''%C3%89cole%20;
 filename*1*=primaire%20Jean%20;
 filename*2="Moulin.ods"
Content-Transfer-Encoding: base64

{{ODS}}
--sep
Content-Type: text/csv; charset=utf-8
Content-Disposition: attachment; filename*0="liste_des_";
 filename*1="ecoles.csv"
Content-Transfer-Encoding: base64

{{CSV}}
--sep--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "École primaire Jean Moulin.ods", contentType: "application/vnd.oasis.opendocument.spreadsheet", path: "1", data: odsData},
				{filename: "liste_des_ecoles.csv", contentType: "text/csv", path: "2", data: csvData},
			},
		},
	},
	{
		name: "forwarded message with the xlsx inside",
		raw: crlf(`From: Accueil Mairie <accueil@commune.fr>
Subject: TR: Inscription des écoles
Date: Mon, 9 Sep 2024 09:00:00 +0200
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Je vous transfère le message de la directrice.
--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Inscription.eml"

From: Directrice <directrice@ecole.fr>
To: accueil@commune.fr
Subject: Inscription des écoles
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain

Voici le fichier.
--inner
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="ecoles.xlsx"
Content-Disposition: attachment; filename="ecoles.xlsx"
Content-Transfer-Encoding: base64

{{XLSX}}
--inner--

--outer--
`),
		want: want{
			from:     "accueil@commune.fr",
			fromName: "Accueil Mairie",
			subject:  "TR: Inscription des écoles",
			attachments: []wantAttachment{
				{filename: "ecoles.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", path: "2.2", data: xlsxData},
			},
		},
	},
	{
		name: "forwarded message encoded in base64, single part inside",
		raw: crlf(`From: accueil@commune.fr
Subject: TR
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

Voir le message joint.
--outer
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

` + b64([]byte("From: x@y.fr\r\nContent-Type: text/csv; name=\"ecoles.csv\"\r\n\r\nUAI;Nom\r\n0691234A;Centre\r\n")) + `
--outer--
`),
		want: want{
			from: "accueil@commune.fr",
			attachments: []wantAttachment{
				{filename: "ecoles.csv", contentType: "text/csv", path: "2.1", data: []byte("UAI;Nom\r\n0691234A;Centre\r\n")},
			},
		},
	},
	{
		name: "forwarded message sent as an .eml file",
		raw: crlf(`From: accueil@commune.fr
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: application/octet-stream; name="Inscription.EML"
Content-Disposition: attachment; filename="Inscription.EML"
Content-Transfer-Encoding: base64

` + b64([]byte("From: x@y.fr\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/csv; name=\"ecoles.csv\"\r\n\r\nUAI;Nom\r\n--i--\r\n")) + `
--outer--
`),
		want: want{
			from: "accueil@commune.fr",
			attachments: []wantAttachment{
				{filename: "ecoles.csv", contentType: "text/csv", path: "1.1", data: []byte("UAI;Nom")},
			},
		},
	},
	{
		name: "CSV sent as application/vnd.ms-excel is returned as it is",
		raw: crlf(`From: mairie@commune.fr
Subject: liste
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=us-ascii

Ci-joint.
--b
Content-Type: application/vnd.ms-excel; name="ecoles.xls"
Content-Disposition: attachment; filename="ecoles.xls"
Content-Transfer-Encoding: base64

{{LATINCSV}}
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "ecoles.xls", contentType: "application/vnd.ms-excel", path: "2", data: latinCSV},
			},
		},
	},
	{
		name: "xlsx with Content-Disposition inline",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Voir la liste</p>
--rel
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
Content-Disposition: inline; filename=liste.xlsx
Content-Transfer-Encoding: base64

{{XLSX}}
--rel--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "liste.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", path: "2", inline: true, data: xlsxData},
			},
		},
	},
	{
		name: "parts with no name at all",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain

texte
--alt
Content-Type: text/html

<p>texte</p>
--alt--
--b
Content-Type: application/vnd.oasis.opendocument.spreadsheet
Content-Transfer-Encoding: base64

{{ODS}}
--b
Content-Type: text/csv
Content-Disposition: inline

UAI;Nom
--b
Content-Disposition: attachment
Content-Transfer-Encoding: base64

{{CSV}}
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{contentType: "application/vnd.oasis.opendocument.spreadsheet", path: "2", data: odsData},
				{contentType: "text/csv", path: "3", inline: true, data: []byte("UAI;Nom")},
				{path: "4", data: csvData},
			},
		},
	},
	{
		name: "text/plain attachment with a file name",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=windows-1252; name="ecoles.csv"
Content-Transfer-Encoding: quoted-printable

UAI;Nom
0691234A;=C9cole du Centre=3B bis=
 ;fin=ZZ
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "ecoles.csv", contentType: "text/plain", path: "1", data: []byte("UAI;Nom\r\n0691234A;\xc9cole du Centre; bis ;fin=ZZ")},
			},
		},
	},
	{
		name: "out-of-office reply",
		raw: crlf(`From: Directrice <directrice@ecole.fr>
To: partenariat@laclasse.com
Subject: =?UTF-8?B?UsOpcG9uc2UgYXV0b21hdGlxdWU=?= : Convention
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset=utf-8

Je suis absente jusqu'au 15 septembre.
`),
		want: want{
			from:      "directrice@ecole.fr",
			subject:   "Réponse automatique : Convention",
			automatic: "Auto-Submitted: auto-replied",
		},
	},
	{
		name: "bounce (multipart/report)",
		raw: crlf(`Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.laclasse.com>
To: partenariat@laclasse.com
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

--dsn
Content-Type: text/plain

The mail system could not deliver your message.
--dsn
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.laclasse.com
Final-Recipient: rfc822; inconnu@commune.fr
Action: failed
Status: 5.1.1
--dsn
Content-Type: text/rfc822-headers

From: partenariat@laclasse.com
Subject: Accusé de réception
--dsn--
`),
		want: want{
			from:      "mailer-daemon@mx.laclasse.com",
			automatic: "delivery status notification",
			attachments: []wantAttachment{
				{contentType: "message/delivery-status", path: "2"},
				{contentType: "text/rfc822-headers", path: "3"},
			},
		},
	},
	{
		name: "Precedence: bulk",
		raw: crlf(`From: newsletter@editeur.fr
Precedence: Bulk
Subject: Nouveautés
Content-Type: text/html

<p>Nouveautés</p>
`),
		want: want{from: "newsletter@editeur.fr", automatic: "Precedence: bulk"},
	},
	{
		name: "X-Autoreply",
		raw:  crlf("From: a@b.fr\nX-Autoreply: yes\n\nabsent\n"),
		want: want{from: "a@b.fr", automatic: "X-Autoreply"},
	},
	{
		name: "Auto-Submitted with parameters",
		raw:  crlf("From: a@b.fr\nAuto-Submitted: Auto-Generated; owner-email=\"x@b.fr\"\n\nbody\n"),
		want: want{from: "a@b.fr", automatic: "Auto-Submitted: auto-generated"},
	},
	{
		name: "empty Return-Path",
		raw:  crlf("Return-Path: < >\nFrom: robot@b.fr\n\nbody\n"),
		want: want{from: "robot@b.fr", automatic: "empty Return-Path"},
	},
	{
		name: "postmaster",
		raw:  crlf("From: PostMaster@commune.fr\n\nbody\n"),
		want: want{from: "postmaster@commune.fr", automatic: "From: postmaster"},
	},
	{
		name: "mailing list",
		raw:  crlf("From: someone@commune.fr\nList-Id: <directeurs.liste.fr>\n\nbody\n"),
		want: want{from: "someone@commune.fr", automatic: "List-Id"},
	},
	{
		name: "a person, with Auto-Submitted: no and X-Auto-Response-Suppress",
		raw: crlf(`Return-Path: <mairie@commune.fr>
From: "Dupont, Marie" <Marie.Dupont@commune.fr>
Auto-Submitted: no
X-Auto-Response-Suppress: All
X-MS-Exchange-Organization-AuthAs: Internal
Precedence: normal
Subject: Re: convention
In-Reply-To: <id1@laclasse.com> (message de partenariat@laclasse.com)

ok
`),
		want: want{from: "marie.dupont@commune.fr", fromName: "Dupont, Marie", refs: []string{"id1@laclasse.com"}},
	},
	{
		name: "winmail.dat",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Ci-joint
--b
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Transfer-Encoding: base64

eJ8+IgAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy
--b--
`),
		want: want{from: "mairie@commune.fr", tnef: true},
	},
	{
		name: "WINMAIL.DAT as octet-stream",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: application/octet-stream; name="WINMAIL.DAT"
Content-Transfer-Encoding: base64

eJ8+IgAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy
--b--
`),
		want: want{from: "mairie@commune.fr", tnef: true},
	},
	{
		name: "nesting over the limit",
		lim:  Limits{MaxDepth: 3},
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="l1"

--l1
Content-Type: text/csv; name="niveau1.csv"

a;b
--l1
Content-Type: multipart/mixed; boundary="l2"

--l2
Content-Type: multipart/mixed; boundary="l3"

--l3
Content-Type: text/csv; name="niveau3.csv"

c;d
--l3
Content-Type: multipart/mixed; boundary="l4"

--l4
Content-Type: text/csv; name="niveau4.csv"

e;f
--l4--
--l3--
--l2--
--l1--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "niveau1.csv", contentType: "text/csv", path: "1", data: []byte("a;b")},
				{filename: "niveau3.csv", contentType: "text/csv", path: "2.1.1", data: []byte("c;d")},
			},
			problems: []string{"trop profondément imbriqué (plus de 3 niveaux)"},
		},
	},
	{
		name: "too many parts",
		lim:  Limits{MaxParts: 3},
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

texte
--b
Content-Type: text/csv; name="a.csv"

a
--b
Content-Type: text/csv; name="b.csv"

b
--b
Content-Type: text/csv; name="c.csv"

c
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "2", data: []byte("a")},
				{filename: "b.csv", contentType: "text/csv", path: "3", data: []byte("b")},
			},
			problems: []string{"trop de parties (plus de 3)"},
		},
	},
	{
		name: "oversize attachment",
		lim:  Limits{MaxAttachmentSize: 20},
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="gros.xlsx"
Content-Transfer-Encoding: base64

{{XLSX}}
--b
Content-Type: text/csv; name="petit.csv"

a;b
--b
Content-Type: application/vnd.ms-excel
Content-Transfer-Encoding: base64

{{CSV}}
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "petit.csv", contentType: "text/csv", path: "2", data: []byte("a;b")},
			},
			problems: []string{
				"La pièce jointe « gros.xlsx » dépasse la taille maximale de 20 octets",
				"Une pièce jointe sans nom (application/vnd.ms-excel) dépasse la taille maximale de 20 octets",
			},
		},
	},
	{
		name: "base64 without padding and with a garbage footer",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/csv; name="a.csv"
Content-Transfer-Encoding: BASE64

  VUFJO05vbQ
  
-- Message analysé par l'antivirus de la commune --
--b
Content-Type: text/csv; name="b.csv"
Content-Transfer-Encoding: base64

VUFJ==O05vbQ==
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "1", data: []byte("UAI;Nom")},
				{filename: "b.csv", contentType: "text/csv", path: "2", data: []byte("UAI;Nom")},
			},
		},
	},
	{
		name: "mislabelled transfer encodings",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/csv; name="faux-base64.csv"
Content-Transfer-Encoding: base64

UAI;Nom;Ville
0691234A;Centre;Lyon
--b
Content-Type: application/vnd.oasis.opendocument.spreadsheet; name="sans-cte.ods"

{{ODS}}
--b
Content-Type: text/csv; name="uu.csv"
Content-Transfer-Encoding: x-uuencode

begin 644 uu.csv
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "faux-base64.csv", contentType: "text/csv", path: "1", data: []byte("UAI;Nom;Ville\r\n0691234A;Centre;Lyon")},
				{filename: "sans-cte.ods", contentType: "application/vnd.oasis.opendocument.spreadsheet", path: "2", data: odsData},
				{filename: "uu.csv", contentType: "text/csv", path: "3", data: []byte("begin 644 uu.csv")},
			},
			problems: []string{"La pièce jointe « uu.csv » utilise un encodage inconnu (« x-uuencode »)"},
		},
	},
	{
		name: "raw 8-bit file names, duplicated and unquoted parameters",
		raw: crlf("From: mairie@commune.fr\n" +
			"Subject: Liste des \xe9coles\n" +
			"Content-Type: multipart/mixed; boundary=b\n\n" +
			"--b\n" +
			"Content-Type: text/csv; name=\"\xe9coles.csv\"\n\n" +
			"a\n" +
			"--b\n" +
			"Content-Type: text/csv\n" +
			"Content-Disposition: attachment; filename=\"\xc3\xa9coles 2.csv\"\n\n" +
			"b\n" +
			"--b\n" +
			"Content-Type: application/vnd.ms-excel; name=liste (2024) écoles.xls; name=autre.xls\n" +
			"Content-Disposition: attachment; filename=liste (2024) écoles.xls; filename=autre.xls\n\n" +
			"c\n" +
			"--b--\n"),
		want: want{
			from:    "mairie@commune.fr",
			subject: "Liste des écoles",
			attachments: []wantAttachment{
				{filename: "écoles.csv", contentType: "text/csv", path: "1", data: []byte("a")},
				{filename: "écoles 2.csv", contentType: "text/csv", path: "2", data: []byte("b")},
				{filename: "liste (2024) écoles.xls", contentType: "application/vnd.ms-excel", path: "3", data: []byte("c")},
			},
		},
	},
	{
		name: "bare LF line endings",
		raw: lf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Bonjour
--b
Content-Type: text/csv; name="a.csv"

UAI;Nom
0691234A;Centre
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "2", data: []byte("UAI;Nom\n0691234A;Centre")},
			},
		},
	},
	{
		name: "mixed line endings",
		raw: "From: mairie@commune.fr\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			"--b\n" +
			"Content-Type: text/plain\n\n" +
			"Bonjour\r\n" +
			"--b\r\n" +
			"Content-Type: text/csv; name=\"a.csv\"\r\n\r\n" +
			"a;b\r\n" +
			"--b--\r\n",
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "2", data: []byte("a;b")},
			},
		},
	},
	{
		name: "mbox separator, broken folding and missing final boundary",
		raw: crlf(`From mairie@commune.fr Tue Sep  3 10:15:00 2024
From: mairie@commune.fr
Subject: une ligne d'objet
repliée sans indentation
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/csv; name="a.csv"
Content-Transfer-Encoding: base64

{{CSV}}
`),
		want: want{
			from:    "mairie@commune.fr",
			subject: "une ligne d'objet",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "1", data: csvData},
			},
		},
	},
	{
		name: "multipart/digest defaults to message/rfc822",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/digest; boundary="d"

--d

From: a@commune.fr
Content-Type: text/csv; name="a.csv"

a
--d--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "1.1", data: []byte("a")},
			},
		},
	},
	{
		name: "boundary that never comes",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="absent"

--autre
Content-Type: text/csv; name="a.csv"

a
`),
		want: want{
			from:     "mairie@commune.fr",
			problems: []string{problemStructure},
		},
	},
	{
		name: "malformed part header",
		raw: crlf(`From: mairie@commune.fr
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/csv; name="a.csv"

a
--b
Content-Type: text/csv; name="b.csv"
 continuation
ligne sans deux-points
--b--
`),
		want: want{
			from: "mairie@commune.fr",
			attachments: []wantAttachment{
				{filename: "a.csv", contentType: "text/csv", path: "1", data: []byte("a")},
			},
			problems: []string{problemStructure},
		},
	},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.raw), tc.lim)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkMessage(t, m, tc.want)
		})
	}
}

// checkMessage compares m with w.
func checkMessage(t *testing.T, m *Message, w want) {
	t.Helper()
	for _, f := range []struct{ name, got, want string }{
		{"From", m.From, w.from},
		{"FromName", m.FromName, w.fromName},
		{"ReplyTo", m.ReplyTo, w.replyTo},
		{"Subject", m.Subject, w.subject},
		{"MessageID", m.MessageID, w.messageID},
	} {
		if f.want != "" && f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	if !w.date.IsZero() && !m.Date.Equal(w.date) {
		t.Errorf("Date = %v, want %v", m.Date, w.date)
	}
	if w.refs != nil && strings.Join(m.References, " ") != strings.Join(w.refs, " ") {
		t.Errorf("References = %q, want %q", m.References, w.refs)
	}
	if m.Automatic != w.automatic {
		t.Errorf("Automatic = %q, want %q", m.Automatic, w.automatic)
	}
	if m.TNEF != w.tnef {
		t.Errorf("TNEF = %v, want %v", m.TNEF, w.tnef)
	}
	if len(m.Attachments) != len(w.attachments) {
		t.Errorf("%d attachments, want %d:", len(m.Attachments), len(w.attachments))
		for _, a := range m.Attachments {
			t.Logf("  %s %q %q %d bytes", a.Path, a.Filename, a.ContentType, len(a.Data))
		}
	}
	for i := 0; i < len(m.Attachments) && i < len(w.attachments); i++ {
		a, wa := m.Attachments[i], w.attachments[i]
		if a.Filename != wa.filename || a.ContentType != wa.contentType || a.Path != wa.path || a.Inline != wa.inline {
			t.Errorf("attachment %d = {%q %q %q inline=%v}, want {%q %q %q inline=%v}", i,
				a.Filename, a.ContentType, a.Path, a.Inline, wa.filename, wa.contentType, wa.path, wa.inline)
		}
		if wa.data != nil && !bytes.Equal(a.Data, wa.data) {
			t.Errorf("attachment %d data = %q, want %q", i, a.Data, wa.data)
		}
	}
	checkProblems(t, m.Problems, w.problems)
}

// checkProblems checks that each wanted substring is in one problem and that no other problem was
// reported.
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, p := range got {
			if !used[i] && strings.Contains(p, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no problem contains %q; problems: %q", w, got)
		}
	}
	for i, p := range got {
		if !used[i] {
			t.Errorf("unexpected problem %q", p)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		lim  Limits
		err  error
	}{
		{"empty", "", Limits{}, ErrNotMessage},
		{"blank lines", "\r\n\r\n", Limits{}, ErrNotMessage},
		{"no header field", "// Not an RFC-822 Document\nhello\n", Limits{}, ErrNotMessage},
		{"binary", "PK\x03\x04\x00\x00\xff\xfe", Limits{}, ErrNotMessage},
		{"over MaxMessageSize", crlf("From: a@b.fr\n\n" + strings.Repeat("x", 200)), Limits{MaxMessageSize: 100}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.raw), tc.lim)
			if !errors.Is(err, tc.err) || m != nil {
				t.Errorf("Parse = %v, %v; want nil, %v", m, err, tc.err)
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	d := DefaultLimits()
	if d.MaxMessageSize != 60<<20 || d.MaxParts != 1000 || d.MaxDepth != 20 || d.MaxAttachmentSize != 25<<20 {
		t.Errorf("DefaultLimits() = %+v", d)
	}
	if got := (Limits{MaxParts: 5}).withDefaults(); got.MaxParts != 5 || got.MaxDepth != 20 {
		t.Errorf("withDefaults = %+v", got)
	}
}
