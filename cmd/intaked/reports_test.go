package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/samples"
)

// TestReports builds a registry from real messages on a simulated clock (school year 2024-2025)
// and checks the fee statement and the activity report against counts worked out by hand: a
// school added in March owes a full year, one removed in July counts for the year it leaves and
// not the next. It also records a notice of termination.
func TestReports(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	text, err := os.ReadFile(y.cfg)
	if err != nil {
		t.Fatal(err)
	}
	withStart := strings.Replace(string(text), "name = \"Givors\"\n", "name = \"Givors\"\nconvention_start = \"2023-09-01\"\n", 1)
	if err := os.WriteFile(y.cfg, []byte(withStart), 0o600); err != nil {
		t.Fatal(err)
	}
	givors, vaulx := samples.Rows(101, 3), samples.Rows(701, 2)

	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2024-09-10T09:00:00+02:00", givors)
	y.deliver(vaulxFrom, "Adhésion", "adh-vaulx@x", "2024-09-10T10:00:00+02:00", vaulx)
	y.once("2024-09-10T11:00:00+02:00")
	var uais []string
	for _, r := range append(append([]samples.Row{}, givors...), vaulx...) {
		uais = append(uais, r.UAI)
	}
	run(t, append([]string{"activate", "--config", y.cfg, "--now=2024-09-17T10:00:00+02:00"}, uais...)...)

	march := samples.Rows(130, 1) // added in March: a full year is due
	y.deliver(givorsFrom, "Ajout", "add-givors@x", "2025-03-10T10:00:00+01:00", march)
	y.once("2025-03-10T11:00:00+01:00")
	run(t, "activate", "--config", y.cfg, "--now=2025-03-28T10:00:00+01:00", march[0].UAI) // 18 days: late

	leaving := vaulx[1]
	leaving.Action = "Radiation"
	keep := vaulx[0]
	keep.Action = "Inchangé"
	y.deliver(vaulxFrom, "Modifications", "mod-vaulx@x", "2025-06-05T10:00:00+02:00", []samples.Row{keep, leaving})
	y.once("2025-06-05T11:00:00+02:00")
	y.once("2025-07-01T00:05:00+02:00") // the yearly update removes it

	type fees struct {
		Year         string `json:"year"`
		PerSchoolEUR int    `json:"per_school_eur"`
		Communes     []struct {
			Name      string `json:"name"`
			INSEE     string `json:"insee"`
			Schools   int    `json:"schools"`
			AmountEUR int    `json:"amount_eur"`
		} `json:"communes"`
		TotalEUR int `json:"total_eur"`
	}
	for _, tc := range []struct {
		year         string
		givors, vaux int
	}{
		{"2024-2025", 4, 2}, // Givors 3 + the March school; Vaulx 2, one leaving in July
		{"2025-2026", 4, 1}, // the school removed in July no longer counts
		{"2023-2024", 0, 0},
	} {
		var st fees
		out := filepath.Join(t.TempDir(), "fees.xlsx")
		if err := json.Unmarshal([]byte(run(t, "report", "fees", "--config", y.cfg, "--year", tc.year, "--json", "-o", out)), &st); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range st.Communes {
			got[c.Name] = c.Schools
			if c.AmountEUR != 150*c.Schools {
				t.Errorf("%s %s: %d € for %d schools", tc.year, c.Name, c.AmountEUR, c.Schools)
			}
		}
		if got["Givors"] != tc.givors || got["Vaulx-en-Velin"] != tc.vaux || st.TotalEUR != 150*(tc.givors+tc.vaux) || st.Year != tc.year || st.PerSchoolEUR != 150 {
			t.Errorf("%s: %+v, want Givors %d, Vaulx %d", tc.year, st, tc.givors, tc.vaux)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatalf("%s: the xlsx does not read back: %v", tc.year, err)
		}
		if len(f.GetSheetList()) < 1+len(st.Communes) {
			t.Errorf("%s: sheets %v", tc.year, f.GetSheetList())
		}
		f.Close()
		if tc.year == "2024-2025" {
			convertsToPDF(t, out)
		}
	}

	out := filepath.Join(t.TempDir(), "activity.xlsx")
	summary := run(t, "report", "activity", "--config", y.cfg, "--year", "2024-2025", "-o", out)
	for _, want := range []string{"2024-2025", "Givors", "Vaulx-en-Velin", "14 jours"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the activity summary lacks %q:\n%s", want, summary)
		}
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatalf("the activity xlsx does not read back: %v", err)
	}
	f.Close()
	convertsToPDF(t, out)

	// A notice received before the deadline ends the convention at the next anniversary.
	msg := run(t, "terminate", "--config", y.cfg, "--commune", "Givors", "--received", "2025-05-15", "--by", "Camille Support")
	if !strings.Contains(msg, "prend fin le 01/09/2025") {
		t.Fatalf("terminate: %s", msg)
	}
	// The notice is recorded with who entered it, in each school's history.
	if history := run(t, "history", "--json", "--config", y.cfg, givors[0].UAI); !strings.Contains(history, `"staff_action": "terminate"`) || !strings.Contains(history, `"by": "Camille Support"`) {
		t.Errorf("history of %s after terminate --by: %s", givors[0].UAI, history)
	}
	var communes []struct {
		Name         string  `json:"name"`
		TerminatesAt *string `json:"terminates_at"`
	}
	if err := json.Unmarshal([]byte(run(t, "communes", "--json", "--config", y.cfg, "--now=2025-07-02T00:00:00+02:00")), &communes); err != nil {
		t.Fatal(err)
	}
	for _, c := range communes {
		if c.Name == "Givors" && (c.TerminatesAt == nil || *c.TerminatesAt != "2025-09-01") {
			t.Errorf("communes: Givors ends %v, want 2025-09-01", c.TerminatesAt)
		}
	}
	// On that day, its schools leave the convention.
	y.once("2025-09-01T08:30:00+02:00")
	st := y.schools("2025-09-02T00:00:00+02:00")
	for _, r := range givors {
		if st[r.UAI].Status != "removed" {
			t.Errorf("%s is %q after the convention ended", r.UAI, st[r.UAI].Status)
		}
	}

}

// convertsToPDF checks that LibreOffice opens the file.
func convertsToPDF(t *testing.T, file string) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Log("soffice not installed: LibreOffice check skipped")
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(soffice, "--headless", "--convert-to", "pdf", "--outdir", dir, file)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, strings.TrimSuffix(filepath.Base(file), ".xlsx")+".pdf")
	if fi, err := os.Stat(pdf); err != nil || fi.Size() == 0 {
		t.Fatalf("LibreOffice made no PDF of %s", file)
	}
}

// TestConventionDates: the Métropole is reminded a month before the notice deadline, and a month
// before the removal a termination causes.
func TestConventionDates(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	text, err := os.ReadFile(y.cfg)
	if err != nil {
		t.Fatal(err)
	}
	withStart := strings.Replace(string(text), "name = \"Givors\"\n", "name = \"Givors\"\nconvention_start = \"2023-09-01\"\n", 1)
	if err := os.WriteFile(y.cfg, []byte(withStart), 0o600); err != nil {
		t.Fatal(err)
	}
	y.deliver(givorsFrom, "Adhésion", "adh-givors@x", "2024-09-10T09:00:00+02:00", samples.Rows(101, 1))
	y.once("2024-09-10T11:00:00+02:00")
	sent := y.once("2025-05-01T09:00:00+02:00")
	r := to(sent, metropole, "échéances des conventions")
	if len(r) != 1 || !strings.Contains(r[0].Text, "1er juin 2025") || !strings.Contains(r[0].Text, "1er septembre 2025") {
		t.Fatalf("no reminder of the notice deadline a month ahead: %d mails", len(sent))
	}
	run(t, "terminate", "--config", y.cfg, "--commune", "givors", "--received", "2025-05-20")
	sent = y.once("2025-08-01T09:00:00+02:00")
	r = to(sent, metropole, "échéances des conventions")
	if len(r) != 1 || !strings.Contains(r[0].Text, "prend fin le 1er septembre 2025") {
		t.Fatalf("no reminder of the removal a month ahead: %d mails", len(sent))
	}
}
