-- CertDesk store, schema 7: the send window (issue 12). The store-wide send time and window
-- live in the `setting` table (notify.send_time, notify.send_window); a program may override
-- the window, and keep its own holiday list.

-- A program's own send window: it replaces the store's window for that program's messages.
-- `days` is a comma-separated list of weekdays (mon,tue,...); `own_holidays` = 1 makes the
-- program use the holidays listed under its id instead of the store's.
CREATE TABLE IF NOT EXISTS program_send_window (
    program_id   INTEGER PRIMARY KEY REFERENCES program(id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL,
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    days         TEXT NOT NULL,
    own_holidays INTEGER NOT NULL DEFAULT 0
);

-- Days on which nothing is sent: `scope` 0 for the store's list, else a program's id.
CREATE TABLE IF NOT EXISTS holiday (
    scope INTEGER NOT NULL,
    date  TEXT NOT NULL,
    name  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, date)
) WITHOUT ROWID;
