-- Indexes so that the calendar's jobs and the reports of one school year read the state that
-- matters now, or the year's rows, not ten years of history (issue 17 §3).

-- The digest's changes of administrator for the directory: the work not done yet, and the work
-- done in a span.
CREATE INDEX provisioning_admin_open ON provisioning(school_id) WHERE kind = 'change_admin' AND state <> 'done';
CREATE INDEX provisioning_admin_done ON provisioning(done_at) WHERE kind = 'change_admin' AND state = 'done';
-- The digest's directory refusals, in the order of the tasks.
CREATE INDEX provisioning_failed ON provisioning(id) WHERE state = 'failed';
-- The schools whose removal is scheduled (the digest's removals), and each one's scheduling.
CREATE INDEX schools_removing ON schools(remove_at) WHERE remove_at IS NOT NULL AND status <> 'removed';
CREATE INDEX changes_school_schedule_remove ON changes(school_id) WHERE kind = 'schedule_remove';
-- The weekly overview counts each commune's schools on this index alone, never the table.
CREATE INDEX schools_commune_status ON schools(commune_id, status, due_at, remove_at);
-- The changes dated in a span (the activity report's year, the Métropole's reminder).
CREATE INDEX changes_at ON changes(at);
-- Each school's spans in the convention and its first activation (the reports), without the
-- rest of its history.
CREATE INDEX changes_spans ON changes(school_id, at, kind) WHERE kind IN ('add', 'readd', 'remove');
CREATE INDEX changes_activate ON changes(school_id, at) WHERE kind = 'activate';
