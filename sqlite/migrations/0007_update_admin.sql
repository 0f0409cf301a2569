-- The same administrator's new details (a Fonction, the case of a name, the layout of a phone:
-- convention.SameAdministrator) are carried to their account in laclasse.com's directory: a
-- directory task of kind 'update_admin', which moves no rights and opens no access.
--
-- SQLite cannot change a CHECK constraint in place, so the provisioning table is rebuilt with the
-- same columns, rows and indexes. No table references provisioning(id).
CREATE TABLE provisioning_0007 AS SELECT * FROM provisioning;
DROP TABLE provisioning;
CREATE TABLE provisioning (
	id              INTEGER PRIMARY KEY,
	school_id       INTEGER NOT NULL REFERENCES schools(id),
	kind            TEXT NOT NULL CHECK (kind IN ('activate','change_admin','remove','update_admin')),
	before          TEXT, -- JSON Contact: the administrator replaced
	created_at      TEXT NOT NULL,
	state           TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting','done','failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error      TEXT,
	done_at         TEXT
);
INSERT INTO provisioning (id, school_id, kind, before, created_at, state, attempts, next_attempt_at, last_error, done_at)
SELECT id, school_id, kind, before, created_at, state, attempts, next_attempt_at, last_error, done_at FROM provisioning_0007 ORDER BY id;
DROP TABLE provisioning_0007;
CREATE INDEX provisioning_due ON provisioning(next_attempt_at) WHERE state = 'waiting';
CREATE INDEX provisioning_school ON provisioning(school_id);
