package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// The model spreadsheet: its sheets, columns and drop-down lists.
const (
	templateSchools      = "Écoles"
	templateCommune      = "Commune"
	templateInstructions = "Instructions"
	templateRows         = 500 // rows of the schools sheet that carry the drop-down lists
)

var (
	templateHeader  = []string{"UAI", "Nom de l'école", "Nom", "Prénom", "Fonction", "Email", "Téléphone", "Action"}
	templateWidths  = []float64{12, 38, 20, 18, 22, 34, 18, 28}
	templateRoles   = []string{"Directeur", "Directrice", "Enseignant(e)", "Administrateur ENT", "Autre"}
	templateActions = []string{"Ajout", "Radiation", "Changement de responsable", "Inchangé"}
	contactHeader   = []string{"Rôle", "Nom", "Prénom", "Fonction", "Email", "Téléphone"}
	contactLabels   = []string{"Référent technique", "Suivi du projet"}
)

// WriteTemplate writes the model spreadsheet the convention promises ("Un modèle est proposé
// ci-dessous") in format xlsx or ods (csv gives the same columns without drop-down lists): a
// sheet "Écoles" with the columns UAI, Nom de l'école, Nom, Prénom, Fonction, Email, Téléphone and
// Action, with drop-down lists for Fonction and Action; a sheet "Commune" for the technical
// referent and the person following the project; and a sheet "Instructions" in French. When l is
// not nil, its schools fill the "Écoles" sheet (Action "Inchangé", for the yearly update) and its
// contacts the "Commune" sheet. What WriteTemplate writes, Read reads back without a problem.
//
// The instructions give DefaultPartnershipAddress; WriteModel names the configured one.
func WriteTemplate(w io.Writer, format Format, l *convention.List) error {
	return WriteModel(w, format, l, DefaultPartnershipAddress)
}

// DefaultPartnershipAddress is the Métropole's partnership address as the convention spells it
// ("partenariat-laclass.com@grandlyon.com"), for a model spreadsheet written without a
// configuration.
const DefaultPartnershipAddress = "partenariat-laclass.com@grandlyon.com"

// WriteModel is WriteTemplate with the address the instructions tell the commune to write to:
// the configuration's [smtp] from. The xlsx and ods models open on their instructions and print
// on A4 with their text wrapped.
func WriteModel(w io.Writer, format Format, l *convention.List, address string) error {
	if address == "" {
		address = DefaultPartnershipAddress
	}
	schools, contacts := templateContent(l)
	return writeModel(w, format, schools, contacts, address)
}

// writeModel writes the model whose "Écoles" and "Commune" sheets hold schools and contacts.
func writeModel(w io.Writer, format Format, schools, contacts [][]string, address string) error {
	lines := templates.ModelInstructions(address)
	switch format {
	case FormatXLSX:
		return writeTemplateXLSX(w, schools, contacts, lines)
	case FormatODS:
		return writeTemplateODS(w, schools, contacts, lines)
	case FormatCSV:
		return writeTemplateCSV(w, schools, contacts)
	}
	return fmt.Errorf("sheet: no model spreadsheet in format %q", format)
}

// templateContent returns the rows of the "Écoles" and "Commune" sheets.
func templateContent(l *convention.List) (schools, contacts [][]string) {
	var people [2]*convention.Contact
	if l != nil {
		for _, s := range l.Schools {
			a := s.Admin
			schools = append(schools, []string{s.UAI, s.Name, a.LastName, a.FirstName, a.Role, a.Email, displayPhone(a.Phone), "Inchangé"})
		}
		people = [2]*convention.Contact{l.Commune.TechnicalReferent, l.Commune.ProjectLead}
	}
	for i, label := range contactLabels {
		row := []string{label, "", "", "", "", ""}
		if c := people[i]; c != nil {
			row = []string{label, c.LastName, c.FirstName, c.Role, c.Email, displayPhone(c.Phone)}
		}
		contacts = append(contacts, row)
	}
	return schools, contacts
}

// displayPhone writes an E.164 number the way people read it: +33472103540 → 04 72 10 35 40.
func displayPhone(p string) string { return convention.ReadablePhone(p) }

func writeTemplateXLSX(w io.Writer, schools, contacts [][]string, instructions []string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", templateSchools); err != nil {
		return err
	}
	for _, name := range []string{templateCommune, templateInstructions} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
	})
	if err != nil {
		return err
	}
	// "@": a phone keeps its leading 0; wrapped, so that a long name prints whole
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	table := func(sheet string, header []string, widths []float64, rows [][]string) error {
		for i, wd := range widths {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetColWidth(sheet, col, col, wd); err != nil {
				return err
			}
			if err := f.SetColStyle(sheet, col, text); err != nil {
				return err
			}
		}
		for r, row := range append([][]string{header}, rows...) {
			cells := make([]any, len(row))
			for i, v := range row {
				cells[i] = v
			}
			if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", r+1), &cells); err != nil {
				return err
			}
		}
		last, _ := excelize.ColumnNumberToName(len(header))
		if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
			return err
		}
		return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	if err := table(templateSchools, templateHeader, templateWidths, schools); err != nil {
		return err
	}
	if err := table(templateCommune, contactHeader, []float64{22, 20, 18, 28, 34, 18}, contacts); err != nil {
		return err
	}
	last := max(templateRows, len(schools)+1)
	for _, v := range []struct {
		col, title, msg string
		items           []string
		style           excelize.DataValidationErrorStyle
	}{
		{"E", "Fonction", templates.ModelRoleHint, templateRoles, excelize.DataValidationErrorStyleInformation},
		{"H", "Action", templates.ModelActionHint, templateActions, excelize.DataValidationErrorStyleStop},
	} {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", v.col, v.col, last)
		if err := dv.SetDropList(v.items); err != nil {
			return err
		}
		dv.SetError(v.style, v.title, v.msg)
		if err := f.AddDataValidation(templateSchools, dv); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(templateInstructions, "A", "A", 120); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, line := range instructions {
		cell := fmt.Sprintf("A%d", i+1)
		if err := f.SetCellStr(templateInstructions, cell, line); err != nil {
			return err
		}
		style := wrap
		if i == 0 {
			style = bold
		}
		if err := f.SetCellStyle(templateInstructions, cell, cell, style); err != nil {
			return err
		}
	}
	// Paper size 9 is A4; one page wide, as many pages long as the rows need.
	a4, landscape, portrait, fit, wide, long := 9, "landscape", "portrait", true, 1, 0
	for _, sh := range []string{templateSchools, templateCommune, templateInstructions} {
		o := landscape
		if sh == templateInstructions {
			o = portrait
		}
		if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: &a4, Orientation: &o, FitToWidth: &wide, FitToHeight: &long}); err != nil {
			return err
		}
		if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
	}
	idx, err := f.GetSheetIndex(templateInstructions)
	if err != nil {
		return err
	}
	f.SetActiveSheet(idx) // the commune reads how to fill it first
	return f.Write(w)
}

// writeTemplateCSV writes the schools, then the commune's contacts under their own header: a csv
// has one sheet and no drop-down lists. It starts with a BOM so that Excel reads it as UTF-8.
func writeTemplateCSV(w io.Writer, schools, contacts [][]string) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write(templateHeader)
	cw.WriteAll(schools)
	cw.Write(nil)
	cw.Write(contactHeader)
	cw.WriteAll(contacts)
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeTemplateODS writes an OpenDocument spreadsheet by hand: mimetype first and stored, the
// manifest, and content.xml with the three sheets and the drop-down lists as
// table:content-validations.
func writeTemplateODS(w io.Writer, schools, contacts [][]string, instructions []string) error {
	var c bytes.Buffer
	c.WriteString(xml.Header)
	c.WriteString(`<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"` +
		` xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"` +
		` xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"` +
		` xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"` +
		` xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"` +
		` xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.3">`)
	c.WriteString(`<office:automatic-styles>`)
	for i, wd := range append(templateWidths, 120) {
		fmt.Fprintf(&c, `<style:style style:name="co%d" style:family="table-column"><style:table-column-properties style:column-width="%.2fcm"/></style:style>`, i, wd*0.2)
	}
	c.WriteString(`<style:style style:name="head" style:family="table-cell"><style:table-cell-properties fo:background-color="#ddebf7"/><style:text-properties fo:font-weight="bold"/></style:style>`)
	c.WriteString(`<style:style style:name="wrap" style:family="table-cell"><style:table-cell-properties fo:wrap-option="wrap"/></style:style>`)
	c.WriteString(`</office:automatic-styles><office:body><office:spreadsheet>`)

	c.WriteString(`<table:content-validations>`)
	for _, v := range []struct {
		name, col, kind, title, msg string
		items                       []string
	}{
		{"fonction", "E", "information", "Fonction", templates.ModelRoleHint, templateRoles},
		{"action", "H", "stop", "Action", templates.ModelActionHint, templateActions},
	} {
		quoted := make([]string, len(v.items))
		for i, it := range v.items {
			quoted[i] = `"` + it + `"`
		}
		fmt.Fprintf(&c, `<table:content-validation table:name="%s" table:condition="%s" table:allow-empty-cell="true" table:display-list="unsorted" table:base-cell-address="%s">`,
			v.name, xmlEscape("of:cell-content-is-in-list("+strings.Join(quoted, ";")+")"), xmlEscape("'"+templateSchools+"'."+v.col+"2"))
		fmt.Fprintf(&c, `<table:error-message table:message-type="%s" table:title="%s" table:display="true"><text:p>%s</text:p></table:error-message>`,
			v.kind, xmlEscape(v.title), xmlEscape(v.msg))
		c.WriteString(`</table:content-validation>`)
	}
	c.WriteString(`</table:content-validations>`)

	odsCell := func(v, style, validation string) {
		c.WriteString(`<table:table-cell`)
		if style != "" {
			fmt.Fprintf(&c, ` table:style-name="%s"`, style)
		}
		if validation != "" {
			fmt.Fprintf(&c, ` table:content-validation-name="%s"`, validation)
		}
		if v == "" {
			c.WriteString(`/>`)
			return
		}
		fmt.Fprintf(&c, ` office:value-type="string"><text:p>%s</text:p></table:table-cell>`, xmlEscape(v))
	}
	odsTable := func(name string, header []string, rows [][]string, validations map[int]string, emptyRows int) {
		fmt.Fprintf(&c, `<table:table table:name="%s">`, xmlEscape(name))
		for i := range header {
			fmt.Fprintf(&c, `<table:table-column table:style-name="co%d"/>`, min(i, len(templateWidths)-1))
		}
		c.WriteString(`<table:table-row>`)
		for _, h := range header {
			odsCell(h, "head", "")
		}
		c.WriteString(`</table:table-row>`)
		for _, row := range rows {
			c.WriteString(`<table:table-row>`)
			for i, v := range row {
				odsCell(v, "", validations[i])
			}
			c.WriteString(`</table:table-row>`)
		}
		if emptyRows > 0 && len(validations) > 0 {
			fmt.Fprintf(&c, `<table:table-row table:number-rows-repeated="%d">`, emptyRows)
			for i := range header {
				odsCell("", "", validations[i])
			}
			c.WriteString(`</table:table-row>`)
		}
		c.WriteString(`</table:table>`)
	}
	odsTable(templateSchools, templateHeader, schools, map[int]string{4: "fonction", 7: "action"}, max(0, templateRows-len(schools)-1))
	odsTable(templateCommune, contactHeader, contacts, nil, 0)
	fmt.Fprintf(&c, `<table:table table:name="%s"><table:table-column table:style-name="co%d"/>`, templateInstructions, len(templateWidths))
	for i, line := range instructions {
		c.WriteString(`<table:table-row>`)
		style := "wrap"
		if i == 0 {
			style = "head"
		}
		odsCell(line, style, "")
		c.WriteString(`</table:table-row>`)
	}
	c.WriteString(`</table:table></office:spreadsheet></office:body></office:document-content>`)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// mimetype comes first, stored, so that the file is recognized by its first bytes
	mt, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return err
	}
	io.WriteString(mt, "application/vnd.oasis.opendocument.spreadsheet")
	for _, m := range []struct{ name, body string }{
		{"META-INF/manifest.xml", xml.Header + `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
			`<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>` +
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>` +
			`<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>` +
			`<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>` +
			`<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>` +
			`</manifest:manifest>`},
		// A4 pages for every sheet.
		{"styles.xml", xml.Header + `<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"` +
			` xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">` +
			`<office:automatic-styles><style:page-layout style:name="a4"><style:page-layout-properties fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" style:scale-to-X="1" style:scale-to-Y="0"/></style:page-layout></office:automatic-styles>` +
			`<office:master-styles><style:master-page style:name="Default" style:page-layout-name="a4"/></office:master-styles></office:document-styles>`},
		// Opens on the instructions.
		{"settings.xml", xml.Header + `<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.3">` +
			`<office:settings><config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>` +
			`<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>` +
			`<config:config-item config:name="ActiveTable" config:type="string">` + xmlEscape(templateInstructions) + `</config:config-item>` +
			`</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set></office:settings></office:document-settings>`},
		{"meta.xml", xml.Header + `<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3">` +
			`<office:meta><meta:generator>laclasse intake</meta:generator></office:meta></office:document-meta>`},
		{"content.xml", c.String()},
	} {
		f, err := zw.Create(m.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, m.body); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// xmlEscape escapes text for an XML attribute or element.
func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
