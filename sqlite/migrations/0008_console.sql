-- The staff console's sign-in (issue 15). Secrets are kept as their SHA-256 only.
--
-- One-time links made by `intaked console-link`: each signs its holder in once, before it expires.
CREATE TABLE console_links (
	token_hash TEXT PRIMARY KEY, -- hex SHA-256 of the link's token
	role       TEXT NOT NULL,    -- gestion or lecture
	name       TEXT NOT NULL,    -- --as NAME, recorded as who did what
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT
);

-- Sessions of the console, kept across a restart of the daemon.
CREATE TABLE console_sessions (
	id_hash      TEXT PRIMARY KEY, -- hex SHA-256 of the cookie's value
	method       TEXT NOT NULL,    -- oidc or link
	email        TEXT NOT NULL,    -- the address the identity provider vouched for; '' for a link
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	csrf         TEXT NOT NULL,    -- the token every POST of the session carries
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL
);
CREATE INDEX console_sessions_last_seen ON console_sessions(last_seen_at);
