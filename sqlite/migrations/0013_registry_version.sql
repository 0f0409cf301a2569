-- A version of each commune's registry, moved by SQLite itself on every write of one of its
-- schools, whoever writes (the daemon, the command line in another process, the console, a
-- calendar job): a decision keeps the commune's schools in memory and knows from it when they
-- are stale (sqlite/registrycache.go). Only the columns the registry reads move it; a school
-- that changes commune moves both communes'. A renamed commune moves its own, its name being
-- part of each school read.
ALTER TABLE communes ADD COLUMN registry_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER schools_insert_registry_version AFTER INSERT ON schools BEGIN
	UPDATE communes SET registry_version = registry_version + 1 WHERE id = NEW.commune_id;
END;

CREATE TRIGGER schools_update_registry_version
	AFTER UPDATE OF commune_id, uai, name, status, admin, received_at, due_at, active_at, remove_at, removed_at ON schools BEGIN
	UPDATE communes SET registry_version = registry_version + 1 WHERE id IN (OLD.commune_id, NEW.commune_id);
END;

CREATE TRIGGER schools_delete_registry_version AFTER DELETE ON schools BEGIN
	UPDATE communes SET registry_version = registry_version + 1 WHERE id = OLD.commune_id;
END;

-- Only a real rename: every command syncs the configuration's communes (an upsert setting each
-- name again), which must not make the daemon read every registry afresh. BINARY, since names
-- compare without case and a change of case is a rename the schools read show.
CREATE TRIGGER communes_rename_registry_version AFTER UPDATE OF name ON communes
	WHEN OLD.name IS NOT NEW.name COLLATE BINARY BEGIN
	UPDATE communes SET registry_version = registry_version + 1 WHERE id = NEW.id;
END;
