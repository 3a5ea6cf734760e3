-- CertDesk store: undo of an exception action (issue 13). Each applied bulk action is a
-- batch: who applied it and when, and every row it changed as it was before, written by
-- set-based INSERT .. SELECT in the action's own transaction before its updates.
CREATE TABLE action_batch (
    id             INTEGER PRIMARY KEY,
    action         TEXT    NOT NULL,
    applied_at     INTEGER NOT NULL,
    -- The operating-system user who applied it ($USER / USERNAME, else 'unknown').
    os_user        TEXT    NOT NULL,
    row_count      INTEGER NOT NULL,
    -- The highest event, message and digest item ids when the action was applied: the
    -- events above it up to event_ceiling are the action's own; the messages (and digest
    -- items) above it for the batch's memberships were caused by it (logged after it).
    event_floor    INTEGER NOT NULL,
    event_ceiling  INTEGER NOT NULL,
    message_floor  INTEGER NOT NULL,
    digest_floor   INTEGER NOT NULL,
    undone_at      INTEGER,
    -- At the undo: queued messages withdrawn, and messages already sent that stayed sent.
    withdrawn      INTEGER,
    sent_kept      INTEGER
);

-- The exceptions the action handled, as they were.
CREATE TABLE action_batch_exception (
    batch_id      INTEGER NOT NULL REFERENCES action_batch (id) ON DELETE CASCADE,
    exception_id  INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    handled_at    INTEGER,
    PRIMARY KEY (batch_id, exception_id)
) WITHOUT ROWID;

-- Their memberships, every column the action (and the engine settling it) may change.
CREATE TABLE action_batch_assignment (
    batch_id          INTEGER NOT NULL REFERENCES action_batch (id) ON DELETE CASCADE,
    assignment_id     INTEGER NOT NULL,
    assigned_at       INTEGER NOT NULL,
    due_at            INTEGER,
    active            INTEGER NOT NULL,
    exception_status  TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    completed_at      INTEGER,
    cycle             INTEGER NOT NULL,
    window_opens_at   INTEGER,
    expires_at        INTEGER,
    PRIMARY KEY (batch_id, assignment_id)
) WITHOUT ROWID;

-- The sources' due dates (the realistic due date writes them).
CREATE TABLE action_batch_source (
    batch_id   INTEGER NOT NULL REFERENCES action_batch (id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL,
    due_at     INTEGER,
    due_set    INTEGER NOT NULL,
    PRIMARY KEY (batch_id, source_id)
) WITHOUT ROWID;

-- Course set progress and certification records of the memberships made active (assign,
-- realistic due date): the action shifts them to now and the engine may settle them.
CREATE TABLE action_batch_progress (
    batch_id       INTEGER NOT NULL REFERENCES action_batch (id) ON DELETE CASCADE,
    assignment_id  INTEGER NOT NULL,
    cycle          INTEGER NOT NULL,
    course_set_id  INTEGER NOT NULL,
    current_at     INTEGER NOT NULL,
    due_at         INTEGER,
    completed_at   INTEGER,
    PRIMARY KEY (batch_id, assignment_id, cycle, course_set_id)
) WITHOUT ROWID;
CREATE TABLE action_batch_record (
    batch_id         INTEGER NOT NULL REFERENCES action_batch (id) ON DELETE CASCADE,
    assignment_id    INTEGER NOT NULL,
    cycle            INTEGER NOT NULL,
    path             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    window_opens_at  INTEGER,
    expires_at       INTEGER,
    PRIMARY KEY (batch_id, assignment_id, cycle)
) WITHOUT ROWID;
