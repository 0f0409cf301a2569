package templates

import (
	"fmt"
	"strings"
	"time"
)

// Revert tells a commune that the Métropole's staff undid what one of its lists changed.
type Revert struct {
	Commune    string
	Subject    string // the subject of the commune's message
	ReceivedAt string // when it was received, as a person reads it (14/09/2026)
	// Undone lists what was undone, one line per school.
	Undone []RevertLine
	// HeldAgain lists the removals an earlier list asked for and held, that the message undone
	// had settled: they wait for staff again.
	HeldAgain []RevertHeld
	Signature string
}

// RevertHeld is a school whose removal, asked for by an earlier list (request RequestID,
// received on ReceivedAt, as a person reads it), waits for staff again.
type RevertHeld struct {
	UAI, School string
	RequestID   int64
	ReceivedAt  string
}

// RevertLine is one school whose change was undone. What is "add" (the school added is
// removed), "admin" (the previous administrator is back), "rename" (the school has its previous
// name, Restored, again), "removal" (a scheduled removal is cancelled), "removed" (a removal
// that took effect is undone: the school is back) or "held" (a removal waiting for staff is
// dropped).
type RevertLine struct {
	UAI, School, What string
	Restored          string
}

// ReasonReverted is the reason of a request staff member by reverted on day at: whatever it
// said before (removals held, say) is no longer true.
func ReasonReverted(by string, at time.Time) string {
	return fmt.Sprintf("annulée par %s le %s", by, FrenchDate(at))
}

// RenderRevert renders the mail that tells a commune its list was undone.
func RenderRevert(r Revert) (Rendered, error) { return render("revert", r) }

// RevertLineText is one school of what a revert undid, as the mail to the commune and `intaked
// revert` write it: "0690101K « École Jean Jaurès » : ajout annulé, l'école est retirée".
func RevertLineText(l RevertLine) string {
	var b strings.Builder
	if err := textT.ExecuteTemplate(&b, "revert_line", l); err != nil {
		return l.UAI + " « " + l.School + " »"
	}
	return b.String()
}
