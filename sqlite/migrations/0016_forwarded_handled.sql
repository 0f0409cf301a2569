-- The forwarded messages still to handle, counted without walking ten years of them (issue 17 §3).
--
-- The console's "Aujourd'hui" counts the forwarded messages no staff member marked handled. It
-- walked every forwarded request ever received (requests_state_received), each looked up among
-- the staff actions: a cost that grew with the years, not with what is left to handle. The
-- request now says when it was marked handled, and a partial index holds the others only.
ALTER TABLE requests ADD COLUMN handled_at TEXT;
UPDATE requests SET handled_at = (SELECT min(sa.at) FROM staff_actions sa WHERE sa.request_id = requests.id AND sa.kind = 'handled')
	WHERE id IN (SELECT request_id FROM staff_actions WHERE kind = 'handled');
CREATE INDEX requests_forwarded_unhandled ON requests(received_at) WHERE state = 'forwarded' AND handled_at IS NULL;
