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

CREATE TRIGGER communes_rename_registry_version AFTER UPDATE OF name ON communes BEGIN
	UPDATE communes SET registry_version = registry_version + 1 WHERE id = NEW.id;
END;
