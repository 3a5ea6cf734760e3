-- The HR drop folder (issue 14 part 5): every file a sync took from the folder, with what
-- became of it. A file's content (SHA-256) is imported at most once: the partial unique
-- index refuses a second `imported` row with the same hash, whatever process tries.
CREATE TABLE hr_file (
    id        INTEGER PRIMARY KEY,
    sha256    TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('learners', 'assignments', 'completions')),
    taken_at  INTEGER NOT NULL,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('imported', 'rejected', 'duplicate')),
    rows      INTEGER NOT NULL DEFAULT 0,
    problems  INTEGER NOT NULL DEFAULT 0,
    moved_to  TEXT,
    report    TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX hr_file_imported ON hr_file (sha256) WHERE outcome = 'imported';
CREATE INDEX hr_file_taken ON hr_file (taken_at, id);
