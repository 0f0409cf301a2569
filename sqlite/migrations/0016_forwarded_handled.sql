-- The forwarded messages still to handle, counted without walking ten years of them (issue 17 §3).
--
-- The console's "Aujourd'hui" counts the forwarded messages no staff member marked handled. It
-- walked every forwarded request ever received (requests_state_received), each looked up among
-- the staff actions: a cost that grew with the years, not with what is left to handle. The
-- request now says when it was marked handled (the first staff action "handled" for it), and a
-- partial index holds the others only.
ALTER TABLE requests ADD COLUMN handled_at TEXT;
UPDATE requests SET handled_at = (SELECT min(sa.at) FROM staff_actions sa WHERE sa.request_id = requests.id AND sa.kind = 'handled')
	WHERE id IN (SELECT request_id FROM staff_actions WHERE kind = 'handled');
-- Its columns make it covering for the count; state and handled_at are the same in every entry,
-- so it gives the page's order (received_at, then id) as well.
CREATE INDEX requests_forwarded_unhandled ON requests(received_at, state, handled_at) WHERE state = 'forwarded' AND handled_at IS NULL;
-- The store keeps handled_at in step with the staff actions, whoever writes them: a daemon still
-- running the binary of before (the migration runs with the first command of the new one) marks
-- a message handled in staff_actions alone.
CREATE TRIGGER staff_actions_handled_at AFTER INSERT ON staff_actions WHEN NEW.kind = 'handled' AND NEW.request_id IS NOT NULL
BEGIN
	UPDATE requests SET handled_at = coalesce(handled_at, NEW.at) WHERE id = NEW.request_id;
END;
