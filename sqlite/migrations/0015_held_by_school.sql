-- The removals held in a commune, read from its schools (issue 17 §3).
--
-- A decision reads the removals that other lists of its commune hold for staff. It read them
-- from held_removals_waiting, every removal held in the whole store, each joined to its school
-- to keep the commune's: on a national store with removals left held over the years (3,700 in
-- the ten-year benchmark store) that was 60% of a decision, and it grew with every removal staff
-- leave waiting anywhere. From the commune's schools, each looked up among the removals held
-- only (never among those confirmed or dropped over the years), it costs one lookup a school of
-- the commune, whatever the years and the other communes.
CREATE INDEX held_removals_held_school ON held_removals(school_id) WHERE state = 'held';
