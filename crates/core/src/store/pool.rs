//! A few open read connections kept for reuse. Opening a connection parses the schema (1 to
//! 2 ms, more than most pages cost to read), so a [`Reader`](super::Reader) takes an idle
//! connection from its store's pool and gives it back when dropped.
//!
//! Only a clean connection goes back: outside any transaction, with every statement reset.
//! One left inside a read transaction would keep showing the snapshot it started with, and
//! would pin the write-ahead log so that no checkpoint could finish; it is closed instead.
//!
//! Memory: each connection has its own page cache (SQLite's default up to 2 MiB), which an
//! idle reader keeps filled with the pages of whatever it read last: up to 8 MiB for four
//! idle readers on a large store. A reader's cache is capped at [`READER_CACHE_KIB`]; a
//! report page or the dashboard reads no slower with it (docs/BENCHMARKS.md, "The
//! desktop's memory at 1M: pages held and readers' caches"). Freeing the cache when a
//! reader goes back (`sqlite3_db_release_memory`) saved little more and made the next read
//! start cold, so it is not done.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// How many idle read connections a store keeps open.
pub const IDLE_READERS: usize = 4;

/// The page cache of a read connection, in KiB (`PRAGMA cache_size` = minus this): a
/// report page or the dashboard reads no slower than with the default 2 MiB.
pub const READER_CACHE_KIB: i64 = 512;

/// The idle read connections of one store, shared by every clone of its [`Db`](super::Db).
#[derive(Clone, Default)]
pub(crate) struct ReaderPool(Arc<Mutex<Vec<Connection>>>);

impl ReaderPool {
    /// An idle connection, if there is one.
    pub(crate) fn take(&self) -> Option<Connection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Keeps `conn` for the next reader if it is clean and the pool is not full; else closes it.
    pub(crate) fn give_back(&self, conn: Connection) {
        if !conn.is_autocommit() || conn.is_busy() {
            return; // dropped: closing it ends its transaction
        }
        let mut idle = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }

    /// How many connections are idle now.
    pub(crate) fn idle(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl std::fmt::Debug for ReaderPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReaderPool({} idle)", self.idle())
    }
}
