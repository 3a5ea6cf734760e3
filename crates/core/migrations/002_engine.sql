-- CertDesk store, schema 2: what the certification engine needs beyond schema 1.

-- Unassigning keeps the membership row (its history, exceptions and events stay); the
-- membership has ended when unassigned_at is set. Assigning again clears it.
ALTER TABLE assignment ADD COLUMN unassigned_at INTEGER;

-- 1 when the administrator set this source's due date (on assignment, or through
-- "set realistic due date"); 0 when the program's due-date rule computes it.
ALTER TABLE assignment_source ADD COLUMN due_set INTEGER NOT NULL DEFAULT 0 CHECK (due_set IN (0, 1));

-- A program assigned to a group: every member (now and later) is a member of the program.
CREATE TABLE program_group (
    program_id   INTEGER NOT NULL REFERENCES program (id) ON DELETE CASCADE,
    group_id     INTEGER NOT NULL REFERENCES learner_group (id) ON DELETE CASCADE,
    assigned_at  INTEGER NOT NULL,
    -- The due date the administrator set for the group (YYYY-MM-DD, end of that day in each
    -- learner's time zone), else NULL: the program's rule applies.
    due_date     TEXT,
    PRIMARY KEY (program_id, group_id)
) WITHOUT ROWID;
CREATE INDEX program_group_group ON program_group (group_id);

-- Course set progress per assignment and cycle: when the set's THEN group became current,
-- when it is due (current + the group's largest minimum time, if above zero), and when the
-- set was completed.
CREATE TABLE course_set_progress (
    assignment_id  INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    cycle          INTEGER NOT NULL,
    course_set_id  INTEGER NOT NULL REFERENCES course_set (id) ON DELETE CASCADE,
    current_at     INTEGER NOT NULL,
    due_at         INTEGER,
    completed_at   INTEGER,
    PRIMARY KEY (assignment_id, cycle, course_set_id)
) WITHOUT ROWID;
CREATE INDEX course_set_progress_due ON course_set_progress (due_at)
    WHERE due_at IS NOT NULL AND completed_at IS NULL;

-- The two scans of run(now): certified learners whose window opens, open windows that expire.
CREATE INDEX assignment_status_window ON assignment (status, window_opens_at);
CREATE INDEX assignment_status_expires ON assignment (status, expires_at);
CREATE INDEX assignment_source_group ON assignment_source (group_id) WHERE group_id IS NOT NULL;
-- Replacing a learner's groups on import (group_member's key starts with the group).
CREATE INDEX group_member_learner ON group_member (learner_id);
