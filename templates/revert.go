package templates

// Revert tells a commune that the Métropole's staff undid what one of its lists changed.
type Revert struct {
	Commune    string
	Subject    string // the subject of the commune's message
	ReceivedAt string // when it was received, as a person reads it (14/09/2026)
	// Undone lists what was undone, one line per school.
	Undone    []RevertLine
	Signature string
}

// RevertLine is one school whose change was undone. What is "add" (the school added is
// removed), "admin" (the previous administrator is back), "removal" (a scheduled removal is
// cancelled), "removed" (a removal that took effect is undone: the school is back) or "held"
// (a removal waiting for staff is dropped).
type RevertLine struct {
	UAI, School, What string
}

// RenderRevert renders the mail that tells a commune its list was undone.
func RenderRevert(r Revert) (Rendered, error) { return render("revert", r) }
