-- A list that would remove too many of a commune's schools is checked first.
--
-- A request's state may now also be 'forwarded' (a person's reply, sent on to staff), 'held'
-- (applied but for removals that wait for staff) and 'reverted' (undone by staff). SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with the same columns, rows and
-- indexes. The tables that reference requests(id) keep their rows: foreign keys are checked at
-- commit, once every request is back under its id.
PRAGMA defer_foreign_keys = ON;

-- The children's lookups by request, for the copy (dropped at the end).
CREATE INDEX holds_tmp_outbox_request ON outbox(request_id);
CREATE INDEX holds_tmp_changes_request ON changes(request_id);

CREATE TABLE requests_0005 AS SELECT * FROM requests;
DROP TABLE requests;
CREATE TABLE requests (
	id            INTEGER PRIMARY KEY,
	mailbox       TEXT NOT NULL,
	uid_validity  INTEGER NOT NULL,
	uid           INTEGER NOT NULL,
	received_at   TEXT NOT NULL, -- the message's IMAP INTERNALDATE
	raw           BLOB NOT NULL,
	raw_sha256    TEXT NOT NULL,
	claimed_at    TEXT NOT NULL,
	state         TEXT NOT NULL DEFAULT 'claimed'
	              CHECK (state IN ('claimed','applied','refused','rejected','duplicate','ignored','forwarded','held','reverted')),
	decided_at    TEXT,
	target        TEXT,          -- mailbox the message goes to
	moved_at      TEXT,
	commune_id    INTEGER REFERENCES communes(id),
	message_id    TEXT,
	sender        TEXT,
	subject       TEXT,
	kind          TEXT,
	reason        TEXT,
	attempts      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT,
	retry_at      TEXT,
	size          INTEGER,
	header_only   INTEGER NOT NULL DEFAULT 0,
	errors        INTEGER,
	warnings      INTEGER,
	refused_rows  TEXT,
	problems_omitted INTEGER NOT NULL DEFAULT 0,
	replies_withheld TEXT,
	purged_at     TEXT,
	UNIQUE (mailbox, uid_validity, uid)
);
INSERT INTO requests (id, mailbox, uid_validity, uid, received_at, raw, raw_sha256, claimed_at, state, decided_at,
	target, moved_at, commune_id, message_id, sender, subject, kind, reason, attempts, last_error, retry_at, size,
	header_only, errors, warnings, refused_rows, problems_omitted, replies_withheld, purged_at)
SELECT id, mailbox, uid_validity, uid, received_at, raw, raw_sha256, claimed_at, state, decided_at,
	target, moved_at, commune_id, message_id, sender, subject, kind, reason, attempts, last_error, retry_at, size,
	header_only, errors, warnings, refused_rows, problems_omitted, replies_withheld, purged_at
FROM requests_0005 ORDER BY id;
DROP TABLE requests_0005;
CREATE INDEX requests_message_id ON requests(message_id) WHERE message_id <> '';
CREATE INDEX requests_state ON requests(state, moved_at);
CREATE INDEX requests_received ON requests(received_at) WHERE purged_at IS NULL;
DROP INDEX holds_tmp_outbox_request;
DROP INDEX holds_tmp_changes_request;

-- The removals a request holds for staff: the school stays as it is until staff confirm (the
-- removal is then scheduled, remove_at set) or drop it (the school stays).
CREATE TABLE held_removals (
	id         INTEGER PRIMARY KEY,
	request_id INTEGER NOT NULL REFERENCES requests(id),
	school_id  INTEGER NOT NULL REFERENCES schools(id),
	held_at    TEXT NOT NULL,
	state      TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held','confirmed','dropped')),
	decided_at TEXT,
	decided_by TEXT,
	remove_at  TEXT, -- set when confirmed
	UNIQUE (request_id, school_id)
);
CREATE INDEX held_removals_waiting ON held_removals(request_id) WHERE state = 'held';
CREATE INDEX held_removals_school ON held_removals(school_id);
