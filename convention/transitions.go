package convention

import "time"

// How a change moves a school between states, and the directory work it calls for. The store
// writes these moves in SQL and replays them from the history (sqlite.SchoolsAt); both follow
// the rules here.

// Apply returns school s as change ch, made at at, leaves it:
//   - an addition (add, readd) makes it pending, received at at, its access to open by ch.DueAt
//     ("dans les deux semaines suivant la réception du document");
//   - a new administrator (change_admin) makes it pending again, due by AdminChangeDue;
//   - a rename or the same administrator's new details (admin_details) change only what they name;
//   - a scheduled removal sets RemoveAt, a cancelled one clears it;
//   - an activation makes it active at at; a removal takes it out of the convention at at.
//
// Held and dropped removals leave it as it is: they wait for staff.
func (s School) Apply(ch Change, at time.Time) School {
	switch ch.Kind {
	case ChangeAdd, ChangeReadd:
		return School{Commune: s.Commune, UAI: s.UAI, Name: ch.Name, Status: StatusPending, Admin: ch.Admin, ReceivedAt: at, DueAt: ch.DueAt}
	case ChangeAdmin:
		s.Admin = ch.Admin
		s.DueAt = AdminChangeDue(s, ch.DueAt)
		s.Status, s.ActiveAt = StatusPending, nil
	case ChangeRename:
		s.Name = ch.Name
	case ChangeAdminDetails:
		s.Admin = ch.Admin
	case ChangeScheduleRemov:
		r := ch.RemoveAt
		s.RemoveAt = &r
	case ChangeCancelRemoval:
		s.RemoveAt = nil
	case ChangeActivate:
		s.Status, s.ActiveAt = StatusActive, &at
	case ChangeRemove:
		s.Status, s.RemovedAt, s.RemoveAt = StatusRemoved, &at, nil
	}
	return s
}

// AdminChangeDue returns when a new administrator's access to school s is to open, given due,
// two weeks after the list naming them was received: a school already pending keeps its earlier
// due date; any other is due then.
func AdminChangeDue(s School, due time.Time) time.Time {
	if s.Status == StatusPending && s.DueAt.Before(due) {
		return s.DueAt
	}
	return due
}

// TaskFor returns the work a change calls for in laclasse.com's directory, and false when it
// calls for none: an addition opens the school and its administrator's account (activate); a
// new administrator gets the rights, and the previous one loses them (change_admin); a removal
// takes the administrators' rights on the school (remove); the same administrator's new details
// (admin_details) are carried to their account, with no rights moved (update_admin). The other
// changes are the registry's own.
func TaskFor(kind ChangeKind) (TaskKind, bool) {
	switch kind {
	case ChangeAdd, ChangeReadd:
		return TaskActivate, true
	case ChangeAdmin:
		return TaskChangeAdmin, true
	case ChangeRemove:
		return TaskRemove, true
	case ChangeAdminDetails:
		return TaskUpdateAdmin, true
	}
	return "", false
}
