-- Staff put things right without asking the commune to resend.
--
-- Senders declared by staff (`intaked release --add-sender`): bare addresses, lower case, that
-- add to the configuration's senders of their commune from then on.
CREATE TABLE commune_senders (
	id         INTEGER PRIMARY KEY,
	commune_id INTEGER NOT NULL REFERENCES communes(id),
	address    TEXT NOT NULL, -- bare address, lower case
	added_at   TEXT NOT NULL,
	added_by   TEXT NOT NULL,
	request_id INTEGER REFERENCES requests(id), -- the request released with it
	UNIQUE (address, commune_id)
);
CREATE INDEX commune_senders_commune ON commune_senders(commune_id);

-- Every staff action (release, add_sender, activate, confirm, revert), with who did it.
CREATE TABLE staff_actions (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	by         TEXT NOT NULL,
	at         TEXT NOT NULL,
	request_id INTEGER REFERENCES requests(id),
	school_id  INTEGER REFERENCES schools(id),
	commune_id INTEGER REFERENCES communes(id),
	detail     TEXT NOT NULL DEFAULT '' -- in French, for the history
);
CREATE INDEX staff_actions_request ON staff_actions(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX staff_actions_school ON staff_actions(school_id) WHERE school_id IS NOT NULL;

-- A change a staff member made by hand names the action.
ALTER TABLE changes ADD COLUMN staff_action_id INTEGER REFERENCES staff_actions(id);

-- `intaked requests`: newest first, for every request or one commune's.
CREATE INDEX requests_received_at ON requests(received_at);
CREATE INDEX requests_commune_received ON requests(commune_id, received_at);
CREATE INDEX requests_state_received ON requests(state, received_at);
-- A request's changes, counted by `intaked requests` and named by a release.
CREATE INDEX changes_request ON changes(request_id) WHERE request_id IS NOT NULL;
