package intake

import (
	"context"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// directoryView is what the national directory says of the schools of one message: their rows,
// looked up in one query before the decision, and the commune's own schools for the model sent
// with a reply to a first message without a list.
type directoryView struct {
	entries map[string]convention.DirectoryEntry
	commune []convention.DirectoryEntry
}

// lookUpDirectory reads the directory's rows for uais, and, for a message without a list, the
// open public schools of commune; nil without [directory], or before any directory was loaded.
func (h *Handler) lookUpDirectory(ctx context.Context, commune convention.Commune, uais []string, noList bool) (*directoryView, error) {
	if !h.Directory {
		return nil, nil
	}
	entries, loaded, err := h.Store.DirectoryEntries(ctx, uais)
	if err != nil || !loaded {
		return nil, err
	}
	v := &directoryView{entries: entries}
	if noList {
		if v.commune, err = h.Store.DirectoryCommune(ctx, commune.INSEE); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// checkDirectory checks the accepted rows of a list against the directory
// (convention.CheckDirectory): it returns the rows still accepted, and adds to d a problem for
// each row refused or remarked on, located by its sheet, row and column, and the official names
// of the schools accepted. columns gives each sheet's columns; files each UAI's file.
func checkDirectory(d *convention.Decision, commune convention.Commune, entries []convention.SchoolEntry, v *directoryView, columns func(file, sheet string) convention.SheetColumns, files map[string]string) []convention.SchoolEntry {
	kept := entries[:0:0]
	for _, e := range entries {
		de, found := v.entries[e.UAI]
		findings := convention.CheckDirectory(e, de, found, commune)
		cols := columns(files[e.UAI], e.Sheet)
		refused := false
		for _, f := range findings {
			p := convention.Problem{File: files[e.UAI], Sheet: e.Sheet, Row: e.Row, Column: cols.UAI, Field: convention.DirectoryField, Severity: convention.SeverityWarning, UAI: e.UAI, School: e.Name}
			switch f {
			case convention.DirectoryUnknown:
				p.Message = templates.DirectoryUnknown(e.UAI)
			case convention.DirectoryOtherCommune:
				p.Message = templates.DirectoryOtherCommune(e.UAI, de.Name, de.Commune, de.CommuneINSEE)
			case convention.DirectoryNotPrimary:
				p.Message = templates.DirectoryNotPrimary(e.UAI, de.Name, de.Type)
			case convention.DirectoryClosingSoon:
				p.Message = templates.DirectoryClosing(e.UAI, de.Name)
			case convention.DirectoryPrivate:
				p.Message = templates.DirectoryPrivate(e.UAI, de.Name)
			case convention.DirectoryRenamed:
				p.Message, p.Field = templates.DirectoryRenamed(e.UAI, e.Name, de.Name), "name" // not for the summary
				if cols.Name != "" {
					p.Column = cols.Name
				}
			}
			if f.Refuses() {
				p.Severity, refused = convention.SeverityError, true
			}
			d.Problems = append(d.Problems, p)
		}
		if refused {
			continue
		}
		if found && de.Name != "" {
			if d.OfficialNames == nil {
				d.OfficialNames = map[string]string{}
			}
			d.OfficialNames[e.UAI] = de.Name
		}
		kept = append(kept, e)
	}
	return kept
}

// listUAIs returns the UAIs the lists name.
func listUAIs(lists []readList) []string {
	var out []string
	for _, rl := range lists {
		for _, e := range rl.list.Schools {
			out = append(out, e.UAI)
		}
	}
	return out
}

// columnsOf returns where each sheet of lists holds its UAIs and names.
func columnsOf(lists []readList) func(file, sheet string) convention.SheetColumns {
	return func(file, sheet string) convention.SheetColumns {
		for _, rl := range lists {
			if rl.file == file {
				return rl.list.Columns[sheet]
			}
		}
		return convention.SheetColumns{}
	}
}

// modelRows are the rows of the model pre-filled with the directory's schools: UAI and official
// name, the administrator for the commune to fill in.
func modelRows(model []convention.DirectoryEntry) []convention.SchoolEntry {
	var out []convention.SchoolEntry
	for _, e := range model {
		out = append(out, convention.SchoolEntry{UAI: e.UAI, Name: e.Name})
	}
	return out
}

// prefilledLines are the schools the reply says the model holds.
func prefilledLines(model []convention.DirectoryEntry) []templates.SchoolLine {
	var out []templates.SchoolLine
	for _, e := range model {
		out = append(out, templates.SchoolLine{UAI: e.UAI, Name: e.Name})
	}
	return out
}
