package templates

import "time"

// ReminderUnreached tells the Métropole which communes the yearly reminder could not reach: no
// contact in their last list, no address that sent it still declared, no whole address declared.
// Staff remind them by other means.
type ReminderUnreached struct {
	SchoolYear string    // the year the lists prepare: 2027-2028
	Renewal    time.Time // the renewal by default, the lists' deadline
	Communes   []UnreachedCommune
}

// UnreachedCommune is a commune the reminder could not reach, with its schools in the convention.
type UnreachedCommune struct {
	Name    string
	Schools int
}

// RenderReminderUnreached renders the mail to the Métropole naming the communes the reminder
// could not reach.
func RenderReminderUnreached(r ReminderUnreached) (Rendered, error) {
	return render("reminder_unreached", r)
}
