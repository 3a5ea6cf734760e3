-- CertDesk store, schema 1: every record of DOMAIN.md section 1.
-- Instants are INTEGER unix seconds (UTC); calendar dates are TEXT 'YYYY-MM-DD';
-- time zones are IANA names; durations are a count plus a unit.

CREATE TABLE learner (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT    NOT NULL UNIQUE,
    full_name   TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    time_zone   TEXT    NOT NULL DEFAULT 'UTC',
    suspended   INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1))
);
CREATE INDEX learner_name ON learner (full_name, id);

-- Dated profile fields (hire date, ...), the events of relative due-date rules.
CREATE TABLE learner_date (
    learner_id  INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    field       TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (learner_id, field)
) WITHOUT ROWID;

-- Managers are learners too; a learner may have several.
CREATE TABLE manager_link (
    learner_id  INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    manager_id  INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    PRIMARY KEY (learner_id, manager_id),
    CHECK (learner_id <> manager_id)
) WITHOUT ROWID;
CREATE INDEX manager_link_manager ON manager_link (manager_id);

-- The people who receive exception alerts.
CREATE TABLE site_admin (
    id          INTEGER PRIMARY KEY,
    full_name   TEXT    NOT NULL,
    email       TEXT    NOT NULL UNIQUE
);

-- Groups (audiences) through which learners can be assigned.
CREATE TABLE learner_group (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE
);
CREATE TABLE group_member (
    group_id    INTEGER NOT NULL REFERENCES learner_group (id) ON DELETE CASCADE,
    learner_id  INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, learner_id)
) WITHOUT ROWID;

CREATE TABLE course (
    id          INTEGER PRIMARY KEY,
    short_name  TEXT    NOT NULL UNIQUE,
    full_name   TEXT    NOT NULL
);

-- Programs and certifications. A certification is a program with a certification_settings row.
-- Due-date rule: none | fixed (due_fixed_at) | relative (due_amount due_unit after due_event).
CREATE TABLE program (
    id                    INTEGER PRIMARY KEY,
    short_name            TEXT    NOT NULL UNIQUE,
    full_name             TEXT    NOT NULL,
    kind                  TEXT    NOT NULL CHECK (kind IN ('program', 'certification')),
    due_rule              TEXT    NOT NULL DEFAULT 'none' CHECK (due_rule IN ('none', 'fixed', 'relative')),
    due_fixed_at          INTEGER,
    due_amount            INTEGER,
    due_unit              TEXT    CHECK (due_unit IN ('day', 'week', 'month', 'year')),
    due_event             TEXT    CHECK (due_event IN ('assignment', 'program_completion', 'profile_field')),
    due_event_program_id  INTEGER REFERENCES program (id),
    due_event_field       TEXT,
    CHECK (due_rule <> 'fixed' OR due_fixed_at IS NOT NULL),
    CHECK (due_rule <> 'relative' OR (due_amount IS NOT NULL AND due_unit IS NOT NULL AND due_event IS NOT NULL))
);

CREATE TABLE certification_settings (
    program_id        INTEGER PRIMARY KEY REFERENCES program (id) ON DELETE CASCADE,
    active_amount     INTEGER NOT NULL CHECK (active_amount > 0),
    active_unit       TEXT    NOT NULL CHECK (active_unit IN ('day', 'week', 'month', 'year')),
    window_amount     INTEGER NOT NULL CHECK (window_amount >= 0),
    window_unit       TEXT    NOT NULL CHECK (window_unit IN ('day', 'week', 'month', 'year')),
    method            TEXT    NOT NULL CHECK (method IN ('completion_date', 'expiry_date', 'fixed_expiry_date')),
    min_active_amount INTEGER,
    min_active_unit   TEXT    CHECK (min_active_unit IN ('day', 'week', 'month', 'year'))
);

-- Ordered course sets of a program path; next_operator joins a set to the one after it.
CREATE TABLE course_set (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES program (id) ON DELETE CASCADE,
    path           TEXT    NOT NULL CHECK (path IN ('certification', 'recertification')),
    position       INTEGER NOT NULL,
    label          TEXT    NOT NULL,
    rule           TEXT    NOT NULL CHECK (rule IN ('all', 'any', 'at_least', 'optional')),
    rule_min       INTEGER CHECK (rule <> 'at_least' OR rule_min > 0),
    min_time_secs  INTEGER NOT NULL DEFAULT 0 CHECK (min_time_secs >= 0),
    next_operator  TEXT    CHECK (next_operator IN ('then', 'and', 'or')),
    UNIQUE (program_id, path, position)
);
CREATE TABLE course_set_course (
    course_set_id  INTEGER NOT NULL REFERENCES course_set (id) ON DELETE CASCADE,
    course_id      INTEGER NOT NULL REFERENCES course (id),
    PRIMARY KEY (course_set_id, course_id)
) WITHOUT ROWID;
CREATE INDEX course_set_course_course ON course_set_course (course_id);

-- One membership per learner and program. status is derived by the engine and kept here
-- for the reports: not_started | in_progress | complete (programs) and, for certifications,
-- certified | window_open | expired. exception_status is what the membership report shows.
CREATE TABLE assignment (
    id                INTEGER PRIMARY KEY,
    learner_id        INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    program_id        INTEGER NOT NULL REFERENCES program (id) ON DELETE CASCADE,
    assigned_at       INTEGER NOT NULL,
    due_at            INTEGER,
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    exception_status  TEXT    NOT NULL DEFAULT 'none' CHECK (exception_status IN
                        ('none', 'raised', 'resolved_assigned', 'resolved_realistic', 'not_assigned', 'dismissed')),
    status            TEXT    NOT NULL DEFAULT 'not_started' CHECK (status IN
                        ('not_started', 'in_progress', 'complete', 'certified', 'window_open', 'expired')),
    completed_at      INTEGER,
    cycle             INTEGER NOT NULL DEFAULT 1,
    window_opens_at   INTEGER,
    expires_at        INTEGER,
    UNIQUE (learner_id, program_id)
);
CREATE INDEX assignment_program_status ON assignment (program_id, status);
CREATE INDEX assignment_status ON assignment (status);
CREATE INDEX assignment_due ON assignment (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX assignment_expires ON assignment (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX assignment_window ON assignment (window_opens_at) WHERE window_opens_at IS NOT NULL;
CREATE INDEX assignment_exception ON assignment (exception_status) WHERE exception_status <> 'none';

-- How a membership came about: individually, or through a group. Several sources may
-- hold one membership; the latest due date among them wins.
CREATE TABLE assignment_source (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    source         TEXT    NOT NULL CHECK (source IN ('individual', 'group')),
    group_id       INTEGER REFERENCES learner_group (id) ON DELETE CASCADE,
    assigned_at    INTEGER NOT NULL,
    due_at         INTEGER,
    CHECK ((source = 'group') = (group_id IS NOT NULL))
);
CREATE UNIQUE INDEX assignment_source_once ON assignment_source (assignment_id, source, ifnull(group_id, 0));

-- Every completion is kept; recertification progress counts those inside the current cycle.
CREATE TABLE course_completion (
    id            INTEGER PRIMARY KEY,
    learner_id    INTEGER NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    course_id     INTEGER NOT NULL REFERENCES course (id) ON DELETE CASCADE,
    completed_at  INTEGER NOT NULL,
    UNIQUE (learner_id, course_id, completed_at)
);
CREATE INDEX course_completion_course ON course_completion (course_id);

-- One row per certification cycle, kept as history.
CREATE TABLE certification_record (
    assignment_id    INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    cycle            INTEGER NOT NULL,
    path             TEXT    NOT NULL CHECK (path IN ('certification', 'recertification')),
    state            TEXT    NOT NULL CHECK (state IN ('newly_assigned', 'certified', 'window_open', 'expired')),
    started_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    window_opens_at  INTEGER,
    expires_at       INTEGER,
    PRIMARY KEY (assignment_id, cycle)
) WITHOUT ROWID;

-- Assignment exceptions and what was done about them; never deleted.
CREATE TABLE exception (
    id              INTEGER PRIMARY KEY,
    assignment_id   INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('duplicate_course', 'completion_time_unknown', 'time_allowance')),
    raised_at       INTEGER NOT NULL,
    due_at          INTEGER,
    detail          TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'raised' CHECK (status IN
                      ('raised', 'resolved_assigned', 'resolved_realistic', 'not_assigned', 'dismissed')),
    handled_at      INTEGER,
    alerted_at      INTEGER
);
CREATE INDEX exception_assignment ON exception (assignment_id);
CREATE INDEX exception_raised ON exception (kind, id) WHERE status = 'raised';

-- Domain events the notification rules consume; the unique key makes run(now) idempotent.
CREATE TABLE event (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    assignment_id  INTEGER NOT NULL REFERENCES assignment (id) ON DELETE CASCADE,
    cycle          INTEGER NOT NULL DEFAULT 1,
    course_set_id  INTEGER NOT NULL DEFAULT 0,
    occurred_at    INTEGER NOT NULL,
    UNIQUE (kind, assignment_id, cycle, course_set_id)
);
CREATE INDEX event_occurred ON event (kind, occurred_at);

CREATE TABLE notification_rule (
    id               INTEGER PRIMARY KEY,
    program_id       INTEGER NOT NULL REFERENCES program (id) ON DELETE CASCADE,
    trigger          TEXT    NOT NULL CHECK (trigger IN ('assigned', 'completed', 'course_set_completed',
                       'course_set_due', 'due_date', 'exception', 'unassigned', 'expiry',
                       'failed_recertify', 'window_open')),
    timing           TEXT    NOT NULL DEFAULT 'on' CHECK (timing IN ('on', 'before', 'after')),
    offset_amount    INTEGER NOT NULL DEFAULT 0 CHECK (offset_amount >= 0),
    offset_unit      TEXT    NOT NULL DEFAULT 'day' CHECK (offset_unit IN ('day', 'week', 'month')),
    recipients       TEXT    NOT NULL CHECK (recipients IN ('learner', 'managers', 'both', 'admins')),
    learner_subject  TEXT    NOT NULL DEFAULT '',
    learner_body     TEXT    NOT NULL DEFAULT '',
    manager_subject  TEXT    NOT NULL DEFAULT '',
    manager_body     TEXT    NOT NULL DEFAULT '',
    enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- No surprise backfill: sends whose instant is before this are not made unless asked.
    effective_from   INTEGER NOT NULL
);
CREATE INDEX notification_rule_program ON notification_rule (program_id);

-- The message log: one notification to one recipient, at most once per dedup key.
CREATE TABLE message (
    id               INTEGER PRIMARY KEY,
    dedup_key        TEXT    NOT NULL UNIQUE,
    rule_id          INTEGER REFERENCES notification_rule (id) ON DELETE SET NULL,
    assignment_id    INTEGER REFERENCES assignment (id) ON DELETE SET NULL,
    cycle            INTEGER NOT NULL DEFAULT 1,
    course_set_id    INTEGER NOT NULL DEFAULT 0,
    recipient_kind   TEXT    NOT NULL CHECK (recipient_kind IN ('learner', 'manager', 'admin', 'test')),
    recipient_email  TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body_html        TEXT    NOT NULL,
    body_text        TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    skip_reason      TEXT,
    resend_of        INTEGER REFERENCES message (id),
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX message_assignment ON message (assignment_id, sent_at);
CREATE INDEX message_state ON message (state, id);

-- The durable outbox: the formatted bytes of each queued message and its delivery attempts.
CREATE TABLE outbox (
    message_id       INTEGER PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
    message_id_hdr   TEXT    NOT NULL,
    raw              BLOB    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'queued';

CREATE TABLE setting (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
