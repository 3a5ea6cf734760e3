-- CertDesk store, schema 8: assignment episodes (DOMAIN.md section 4, rule 1). A learner
-- unassigned and later assigned again to the same program keeps the same membership row;
-- each assignment starts a new episode, so the messages of the new episode ("assigned",
-- its due-date reminders, a later "unassigned") have dedup keys of their own.
ALTER TABLE assignment ADD COLUMN episode INTEGER NOT NULL DEFAULT 1;

-- The events that belong to an episode (assigned, unassigned) carry it; the others
-- (completions, window, expiry, exceptions) belong to their cycle and keep episode 1.
-- SQLite cannot change a table's UNIQUE constraint in place: the table is made again.
CREATE TABLE event_new (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    assignment_id  INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    cycle          INTEGER NOT NULL DEFAULT 1,
    course_set_id  INTEGER NOT NULL DEFAULT 0,
    occurred_at    INTEGER NOT NULL,
    episode        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, assignment_id, cycle, course_set_id, episode)
);
INSERT INTO event_new (id, kind, assignment_id, cycle, course_set_id, occurred_at)
    SELECT id, kind, assignment_id, cycle, course_set_id, occurred_at FROM event;
DROP TABLE event;
ALTER TABLE event_new RENAME TO event;
CREATE INDEX event_occurred ON event (kind, occurred_at);
