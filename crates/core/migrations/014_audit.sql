-- CertDesk store, schema 14: the audit trail (issue 13 part 4, docs/AUDIT.md). Every change a
-- person makes is appended here in the transaction of the change itself, hash-chained:
-- `hash` is the SHA-256 (hex) of `prev_hash` and the entry's canonical content, and the
-- setting `audit.head` ("<last id> <last hash>") is updated in the same transaction, so a
-- deleted tail is found too. Only `store/audit/` writes this table, and only INSERTs.
CREATE TABLE audit_entry (
    id         INTEGER PRIMARY KEY,
    -- Unix seconds (the actor's clock).
    at         INTEGER NOT NULL,
    os_user    TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    -- Compact JSON of the values that changed, or NULL.
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_entry_at ON audit_entry (at);
-- The Audit screen's filters list the distinct actions and users, and filter by them.
CREATE INDEX audit_entry_action ON audit_entry (action);
CREATE INDEX audit_entry_user ON audit_entry (os_user);
