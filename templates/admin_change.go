package templates

import "time"

// AdminChange is one school whose administrator a list changed, as the notice names it.
type AdminChange struct {
	UAI    string
	School string
	Before string // the previous administrator's name
	After  string // the new administrator's name
}

// AdminChangeNotice tells a commune's declared contacts that a list changed administrators, so
// that a list the commune did not send ("Answer only people we know") cannot hand its schools
// to someone else unnoticed.
type AdminChangeNotice struct {
	Commune    string
	Sender     string    // who sent the list: name and address as the message gave them
	Subject    string    // the subject of that message
	ReceivedAt time.Time // when it was received
	Changes    []AdminChange
	// Omitted is the number of changes not listed: the notice lists MaxNoticeLines at most.
	Omitted   int
	Signature string
}

// MaxNoticeLines bounds the schools an AdminChangeNotice lists; it then says how many more.
const MaxNoticeLines = 100

// RenderAdminChangeNotice renders the notice of a change of administrator to the commune's
// contacts, listing at most MaxNoticeLines schools.
func RenderAdminChangeNotice(n AdminChangeNotice) (Rendered, error) {
	if len(n.Changes) > MaxNoticeLines {
		n.Omitted += len(n.Changes) - MaxNoticeLines
		n.Changes = n.Changes[:MaxNoticeLines]
	}
	return render("admin_change_notice", n)
}
