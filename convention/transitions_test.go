package convention

import (
	"testing"
	"time"
)

func TestSchoolApply(t *testing.T) {
	received := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	later := received.AddDate(0, 1, 0)
	admin := Contact{LastName: "Martin", FirstName: "Anne"}
	next := Contact{LastName: "Durand", FirstName: "Paul"}
	base := School{Commune: "Givors", UAI: "0690001A"}
	added := base.Apply(Change{Kind: ChangeAdd, Name: "École Jaurès", Admin: admin, DueAt: DueAt(received)}, received)
	t.Run("Add", func(t *testing.T) {
		if added.Status != StatusPending || added.Commune != "Givors" || added.UAI != "0690001A" || !added.ReceivedAt.Equal(received) || !added.DueAt.Equal(DueAt(received)) {
			t.Errorf("added = %+v", added)
		}
	})
	active := added.Apply(Change{Kind: ChangeActivate}, received.AddDate(0, 0, 2))
	t.Run("Activate", func(t *testing.T) {
		if active.Status != StatusActive || active.ActiveAt == nil {
			t.Errorf("active = %+v", active)
		}
	})
	t.Run("AdminOfAnActiveSchool", func(t *testing.T) {
		s := active.Apply(Change{Kind: ChangeAdmin, Admin: next, DueAt: DueAt(later)}, later)
		if s.Status != StatusPending || s.ActiveAt != nil || !s.DueAt.Equal(DueAt(later)) || s.Admin != next {
			t.Errorf("after change_admin = %+v", s)
		}
	})
	t.Run("AdminOfAPendingSchoolKeepsItsEarlierDue", func(t *testing.T) {
		s := added.Apply(Change{Kind: ChangeAdmin, Admin: next, DueAt: DueAt(later)}, later)
		if !s.DueAt.Equal(DueAt(received)) {
			t.Errorf("due = %v, want %v", s.DueAt, DueAt(received))
		}
	})
	t.Run("AdminDetailsKeepTheState", func(t *testing.T) {
		s := active.Apply(Change{Kind: ChangeAdminDetails, Admin: next}, later)
		if s.Status != StatusActive || s.Admin != next {
			t.Errorf("after admin_details = %+v", s)
		}
	})
	t.Run("ScheduleCancelRemove", func(t *testing.T) {
		s := active.Apply(Change{Kind: ChangeScheduleRemov, RemoveAt: later}, received)
		if s.RemoveAt == nil || !s.RemoveAt.Equal(later) {
			t.Fatalf("scheduled = %+v", s)
		}
		if c := s.Apply(Change{Kind: ChangeCancelRemoval}, received); c.RemoveAt != nil {
			t.Errorf("cancelled = %+v", c)
		}
		r := s.Apply(Change{Kind: ChangeRemove}, later)
		if r.Status != StatusRemoved || r.RemoveAt != nil || r.RemovedAt == nil {
			t.Errorf("removed = %+v", r)
		}
	})
	t.Run("HeldRemovalLeavesItAsItIs", func(t *testing.T) {
		if s := active.Apply(Change{Kind: ChangeHoldRemoval}, later); s.Status != StatusActive || s.RemoveAt != nil {
			t.Errorf("held = %+v", s)
		}
	})
}

func TestTaskFor(t *testing.T) {
	for kind, want := range map[ChangeKind]TaskKind{
		ChangeAdd: TaskActivate, ChangeReadd: TaskActivate, ChangeAdmin: TaskChangeAdmin, ChangeRemove: TaskRemove,
		ChangeRename: "", ChangeAdminDetails: TaskUpdateAdmin, ChangeScheduleRemov: "", ChangeCancelRemoval: "", ChangeActivate: "", ChangeHoldRemoval: "", ChangeDropRemoval: "",
	} {
		got, ok := TaskFor(kind)
		if got != want || ok != (want != "") {
			t.Errorf("TaskFor(%q) = %q, %v; want %q", kind, got, ok, want)
		}
	}
}

// TestOpensAccess: only an activation or a change of administrator, once the directory
// confirms it, opens a school's access; an update of details or a removal never does.
func TestOpensAccess(t *testing.T) {
	for kind, want := range map[TaskKind]bool{TaskActivate: true, TaskChangeAdmin: true, TaskRemove: false, TaskUpdateAdmin: false} {
		if got := kind.OpensAccess(); got != want {
			t.Errorf("%s.OpensAccess() = %v, want %v", kind, got, want)
		}
	}
}
