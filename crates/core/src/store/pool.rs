//! A few open read connections kept for reuse. Opening a connection parses the schema (1 to
//! 2 ms, more than most pages cost to read), so a [`Reader`](super::Reader) takes an idle
//! connection from its store's pool and gives it back when dropped.
//!
//! Only a clean connection goes back: outside any transaction, with every statement reset.
//! One left inside a read transaction would keep showing the snapshot it started with, and
//! would pin the write-ahead log so that no checkpoint could finish; it is closed instead.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// How many idle read connections a store keeps open.
pub const IDLE_READERS: usize = 4;

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
