-- The first schema: communes, the registry of schools, every received message as a request, the
-- changes each request made, the outbox, the mailbox's watermark and the calendar's job ledger.
CREATE TABLE communes (
	id                 INTEGER PRIMARY KEY,
	name               TEXT NOT NULL UNIQUE COLLATE NOCASE,
	insee              TEXT NOT NULL UNIQUE,
	technical_referent TEXT, -- JSON Contact, from the last list that gave it
	project_lead       TEXT, -- JSON Contact
	last_list_at       TEXT
);

CREATE TABLE mailbox_state (
	mailbox      TEXT PRIMARY KEY,
	uid_validity INTEGER NOT NULL,
	last_uid     INTEGER NOT NULL,
	last_poll_at TEXT
);

-- One row per message seen, claimed before any side effect.
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
	              CHECK (state IN ('claimed','applied','refused','rejected','duplicate','ignored')),
	decided_at    TEXT,
	target        TEXT,          -- mailbox the message goes to
	moved_at      TEXT,
	commune_id    INTEGER REFERENCES communes(id),
	message_id    TEXT,
	sender        TEXT,
	subject       TEXT,
	kind          TEXT,
	reason        TEXT,
	UNIQUE (mailbox, uid_validity, uid)
);
CREATE INDEX requests_message_id ON requests(message_id) WHERE message_id <> '';
CREATE INDEX requests_state ON requests(state, moved_at);

CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY,
	request_id   INTEGER NOT NULL REFERENCES requests(id),
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	format       TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	error        TEXT NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments(sha256);

CREATE TABLE problems (
	id         INTEGER PRIMARY KEY,
	request_id INTEGER NOT NULL REFERENCES requests(id),
	file       TEXT NOT NULL,
	sheet      TEXT NOT NULL,
	row        INTEGER NOT NULL,
	col        TEXT NOT NULL,
	field      TEXT NOT NULL,
	severity   TEXT NOT NULL,
	message    TEXT NOT NULL
);

CREATE TABLE schools (
	id          INTEGER PRIMARY KEY,
	commune_id  INTEGER NOT NULL REFERENCES communes(id),
	uai         TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('pending','active','removed')),
	admin       TEXT NOT NULL, -- JSON Contact
	received_at TEXT NOT NULL,
	due_at      TEXT NOT NULL,
	active_at   TEXT,
	remove_at   TEXT,
	removed_at  TEXT
);

-- Every change to a school, with the request (or job) that caused it.
CREATE TABLE changes (
	id         INTEGER PRIMARY KEY,
	school_id  INTEGER NOT NULL REFERENCES schools(id),
	request_id INTEGER REFERENCES requests(id),
	job        TEXT,
	kind       TEXT NOT NULL,
	at         TEXT NOT NULL,
	before     TEXT, -- JSON Contact
	after      TEXT, -- JSON Contact
	detail     TEXT  -- JSON Change
);

CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL,
	request_id      INTEGER REFERENCES requests(id),
	mail_from       TEXT NOT NULL,
	rcpt_to         TEXT NOT NULL, -- JSON array
	data            BLOB NOT NULL,
	created_at      TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error      TEXT,
	sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL;

-- A commune's list renewed by default for a school year, because none came in the campaign.
CREATE TABLE renewals (
	id          INTEGER PRIMARY KEY,
	commune_id  INTEGER NOT NULL REFERENCES communes(id),
	school_year TEXT NOT NULL, -- 2027-2028
	at          TEXT NOT NULL,
	job         TEXT NOT NULL,
	UNIQUE (commune_id, school_year)
);

-- The calendar's ledger: a job occurrence runs once, in the transaction of its effects.
CREATE TABLE job_runs (
	name   TEXT PRIMARY KEY, -- e.g. digest:2026-11-29
	ran_at TEXT NOT NULL
);

-- Facts about the store itself, e.g. when the calendar first ran.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- The last errors the daemon met, for `intaked status`.
CREATE TABLE errors (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	component TEXT NOT NULL,
	message   TEXT NOT NULL
);

-- Work for laclasse.com's directory, queued with the change that calls for it: open a school and
-- its administrator, hand the administrator's rights to a new one, take them away on removal.
CREATE TABLE provisioning (
	id              INTEGER PRIMARY KEY,
	school_id       INTEGER NOT NULL REFERENCES schools(id),
	kind            TEXT NOT NULL CHECK (kind IN ('activate','change_admin','remove')),
	before          TEXT, -- JSON Contact: the administrator replaced
	created_at      TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting','done','failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error      TEXT,
	done_at         TEXT
);
CREATE INDEX provisioning_due ON provisioning(next_attempt_at) WHERE state = 'waiting';

-- A commune's notice of termination of its convention, and when it takes effect.
CREATE TABLE terminations (
	commune_id   INTEGER PRIMARY KEY REFERENCES communes(id),
	received_at  TEXT NOT NULL,
	effective_at TEXT NOT NULL,
	recorded_at  TEXT NOT NULL
);

-- What the hot paths look up: a commune's schools, a school's history and work, a request's rows.
CREATE INDEX schools_commune ON schools(commune_id);
CREATE INDEX changes_school ON changes(school_id);
CREATE INDEX provisioning_school ON provisioning(school_id);
CREATE INDEX problems_request ON problems(request_id);
CREATE INDEX attachments_request ON attachments(request_id);
