-- CertDesk store: manager digests composed a few managers per transaction (issue 12/15).
-- Each transaction reads one manager's pending items of one frequency; this index finds them
-- (and, read in order, lists the managers with items due without a sort). It replaces the
-- index on the digest moment alone, which only the one-transaction composition read.
CREATE INDEX digest_item_pending_manager ON digest_item (manager_id, frequency, digest_at)
    WHERE digest_message_id IS NULL;
DROP INDEX digest_item_pending;
