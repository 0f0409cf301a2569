package sheet

import "github.com/laclasse/intake/convention"

// noteColumns records where the school table of sheet s holds its UAIs and names, so that a check
// made after reading (against the national directory) names the column of the row it refuses.
func (l *layout) noteColumns(s *sheetState) {
	if l.list.Columns == nil {
		l.list.Columns = map[string]convention.SheetColumns{}
	}
	l.list.Columns[s.name] = convention.SheetColumns{UAI: colName(s.hdr.idx[fieldUAI]), Name: colName(s.hdr.idx[fieldName])}
}
