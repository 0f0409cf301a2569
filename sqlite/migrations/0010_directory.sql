-- The Annuaire de l'éducation, the Ministry's national directory of schools: the columns the
-- convention's checks need, one row per UAI, replaced whole in one transaction when a new file is
-- loaded (directory/). A decision reads the rows of its list's UAIs, never the file.
CREATE TABLE directory (
	uai           TEXT PRIMARY KEY, -- Identifiant_de_l_etablissement
	name          TEXT NOT NULL,    -- Nom_etablissement, the official name
	type          TEXT NOT NULL,    -- Type_etablissement: Ecole, Collège…
	nature        TEXT NOT NULL,    -- libelle_nature
	public        INTEGER NOT NULL, -- Statut_public_prive = Public
	commune_insee TEXT NOT NULL,    -- Code_commune
	commune       TEXT NOT NULL,    -- Nom_commune
	mail          TEXT NOT NULL,
	state         TEXT NOT NULL,    -- etat: OUVERT, A FERMER
	opened        TEXT NOT NULL     -- date_ouverture, YYYY-MM-DD or ''
) WITHOUT ROWID;
-- The model pre-filled with a commune's schools.
CREATE INDEX directory_commune ON directory(commune_insee);

-- The file in use, and how its last refresh went (one row).
CREATE TABLE directory_state (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	sha256         TEXT NOT NULL DEFAULT '', -- of the file loaded
	rows           INTEGER NOT NULL DEFAULT 0,
	loaded_at      TEXT,
	etag           TEXT NOT NULL DEFAULT '', -- of the last download, for If-None-Match
	last_modified  TEXT NOT NULL DEFAULT '', -- of the last download, for If-Modified-Since
	checked_at     TEXT,                     -- the last refresh that worked (new file or none)
	failed_at      TEXT,                     -- the last refresh or load that failed
	failure        TEXT NOT NULL DEFAULT '', -- its reason (directory.Reason)
	failure_detail TEXT NOT NULL DEFAULT ''
);

-- The school's official name, as the directory gives it, next to the commune's own label.
ALTER TABLE schools ADD COLUMN official_name TEXT NOT NULL DEFAULT '';
