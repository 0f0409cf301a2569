// Package samples builds the messages and spreadsheets a commune sends, for the demo and the
// tests: an adhesion with an accented file name, a forwarded list, a CSV from an old mail client,
// an out-of-office reply, and the like. Everything is made in code, so the demo needs no file.
package samples

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/laclasse/intake/convention"
)

// UAI returns a valid UAI for the seven digits n (0690000 + n).
func UAI(n int) string {
	d := fmt.Sprintf("%07d", 690000+n)
	return d + string(convention.UAICheckLetter(d))
}

// Row is a school row of a sample list.
type Row struct {
	UAI, School, LastName, FirstName, Role, Email, Phone, Action string
}

// Rows returns n well-formed rows starting at UAI number first.
func Rows(first, n int) []Row {
	firstNames := []string{"Mehdi", "Aurélie", "Benoît", "Chloé", "Samir", "Sophie", "Élodie", "Yacine"}
	lastNames := []string{"Martin", "Moulin", "Dupont", "Bertholon", "Jourdan", "Roussel", "Tissot", "Perrin"}
	kinds := []string{"École maternelle", "École élémentaire", "Groupe scolaire"}
	names := []string{"Jean Jaurès", "Louis Pasteur", "Les Tilleuls", "Victor Hugo", "Jules Ferry", "Paul Langevin", "Marie Curie", "Anatole France"}
	var out []Row
	for i := 0; i < n; i++ {
		k := first + i
		out = append(out, Row{
			UAI:       UAI(k),
			School:    kinds[k%len(kinds)] + " " + names[k%len(names)],
			LastName:  strings.ToUpper(lastNames[k%len(lastNames)]),
			FirstName: firstNames[k%len(firstNames)],
			Role:      "Directeur",
			Email:     fmt.Sprintf("ce.%s@ac-lyon.fr", strings.ToLower(UAI(k))),
			Phone:     fmt.Sprintf("04 72 %02d %02d %02d", 10+k%80, k%100, (k*7)%100),
		})
	}
	return out
}

// XLSX writes a list as a commune lays it out: a title row, a blank row, then the table, and the
// commune's contacts on a second sheet.
func XLSX(commune string, rows []Row) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sh := "Écoles"
	_ = f.SetSheetName("Sheet1", sh)
	_ = f.SetCellValue(sh, "A1", "Commune de "+commune+" : écoles pour laclasse.com")
	_ = f.MergeCell(sh, "A1", "G1")
	header := []any{"Code UAI", "Nom de l'école", "NOM du directeur", "Prénom", "Fonction", "Courriel", "Téléphone"}
	withAction := false
	for _, r := range rows {
		if r.Action != "" {
			withAction = true
		}
	}
	if withAction {
		header = append(header, "Action")
	}
	_ = f.SetSheetRow(sh, "A3", &header)
	for i, r := range rows {
		vals := []any{r.UAI, r.School, r.LastName, r.FirstName, r.Role, r.Email, r.Phone}
		if withAction {
			vals = append(vals, r.Action)
		}
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		_ = f.SetSheetRow(sh, cell, &vals)
	}
	_, _ = f.NewSheet("Commune")
	_ = f.SetSheetRow("Commune", "A1", &[]any{"", "Nom", "Prénom", "Fonction", "Email", "Téléphone"})
	_ = f.SetSheetRow("Commune", "A2", &[]any{"Référent technique", "MOREL", "Thierry", "Responsable informatique", "t.morel@mairie-" + slug(commune) + ".fr", "04 78 07 41 00"})
	_ = f.SetSheetRow("Commune", "A3", &[]any{"Suivi du projet", "BLANC", "Isabelle", "Directrice de l'éducation", "i.blanc@mairie-" + slug(commune) + ".fr", "04 78 07 41 12"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		panic(err) // writing to memory cannot fail
	}
	return buf.Bytes()
}

// CSV writes a list as an old client exports it: semicolons, Windows-1252, CRLF.
func CSV(rows []Row) []byte {
	var b strings.Builder
	b.WriteString("UAI;École;Nom;Prénom;Fonction;Mél;Tél.\r\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s\r\n", r.UAI, r.School, r.LastName, r.FirstName, r.Role, r.Email, strings.ReplaceAll(r.Phone, " ", "."))
	}
	out, err := charmap.Windows1252.NewEncoder().String(b.String())
	if err != nil {
		panic(err)
	}
	return []byte(out)
}

func slug(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", "é", "e", "è", "e", "'", "").Replace(s))
}

// Attachment is a file to put in a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	// Latin1Name writes the file name as RFC 2231 in ISO-8859-1, as some clients do.
	Latin1Name bool
}

// Message is a mail to build.
type Message struct {
	From, To, Subject, MessageID string
	Date                         time.Time
	Headers                      map[string]string
	Text                         string
	Attachments                  []Attachment
}

// Raw returns the RFC 5322 bytes of m.
func (m Message) Raw() []byte {
	var b bytes.Buffer
	date := m.Date
	if date.IsZero() {
		date = time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		m.From, m.To, encodeWord(m.Subject), date.Format(time.RFC1123Z), m.MessageID)
	for k, v := range m.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	text := m.Text
	if text == "" {
		text = "Bonjour,\n\nVeuillez trouver ci-joint notre liste.\n\nCordialement."
	}
	if len(m.Attachments) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		b.WriteString(qp(text))
		return b.Bytes()
	}
	boundary := "=_intake_sample_" + strings.ReplaceAll(m.MessageID, "@", "_")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", boundary, qp(text))
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		if a.ContentType == "message/rfc822" {
			fmt.Fprintf(&b, "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n")
			b.Write(a.Data)
			b.WriteString("\r\n")
			continue
		}
		if a.Latin1Name {
			enc, _ := charmap.ISO8859_1.NewEncoder().String(a.Name)
			fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Disposition: attachment; filename*=iso-8859-1''%s\r\n", a.ContentType, percent(enc))
		} else {
			fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\n", a.ContentType, a.Name, a.Name)
		}
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	_ = w.Close()
	return b.String()
}

func encodeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}

func percent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// XLSXType is the content type of an xlsx file.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
