//! The certification store: one SQLite file in WAL mode, opened through [`Db`].
//!
//! Reads go through a [`Reader`] (a query-only connection); writes through a [`Writer`],
//! whose [`Writer::write`] wraps the work in one `BEGIN IMMEDIATE` transaction, so a write
//! never fails half-way with "database is locked" and never leaves half its rows behind.

pub mod audit;
pub mod backup;
pub mod location;
mod migrations;
mod pool;
pub(crate) mod setting;
mod waiting;

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{Error, Result};

pub use migrations::{LATEST_VERSION, MIGRATIONS};
pub use pool::{IDLE_READERS, READER_CACHE_KIB};
pub use waiting::Waiters;

use pool::ReaderPool;

/// `PRAGMA application_id` of every CertDesk store ("CDSK").
pub const APPLICATION_ID: i64 = 0x4344_534B;

/// A CertDesk store on disk. Cheap to clone; every writer opens its own connection, while
/// readers reuse the few idle read connections the clones share (see [`IDLE_READERS`]).
#[derive(Debug, Clone)]
pub struct Db {
    path: PathBuf,
    readers: ReaderPool,
    /// Who the changes made through this store's writers are recorded as (audit/).
    actor: Arc<audit::Actor>,
}

impl Db {
    /// Opens the store at `path`, creating it (and its folder) if missing and applying every
    /// pending migration.
    ///
    /// # Errors
    /// [`Error::NotAStore`] for a file that is not a CertDesk store, [`Error::NewerSchema`]
    /// for a store written by a newer version, and database or file errors.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        create_private(&path)?;
        tighten(&path)?;
        let db = Db {
            path,
            readers: ReaderPool::default(),
            actor: Arc::new(audit::Actor::unknown()),
        };
        let mut conn = db.connect(OpenFlags::default())?;
        migrations::migrate(&mut conn, &db.path)?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This store, its writers recording their changes as made by `actor` (the OS user read
    /// at the edge, and the clock). A store opened without one records user "unknown".
    #[must_use]
    pub fn with_actor(mut self, actor: audit::Actor) -> Db {
        self.actor = Arc::new(actor);
        self
    }

    /// Who this store's writers record their changes as made by.
    pub fn actor(&self) -> Arc<audit::Actor> {
        self.actor.clone()
    }

    /// A query-only connection: an idle one of this store's if there is one, else a new one.
    /// It goes back to the idle ones when the reader is dropped, if it is outside any
    /// transaction then.
    pub fn reader(&self) -> Result<Reader> {
        let conn = match self.readers.take() {
            Some(conn) => conn,
            None => {
                let conn = self
                    .connect(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                conn.pragma_update(None, "query_only", true)?;
                conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
                conn
            }
        };
        Ok(Reader {
            conn: Some(conn),
            pool: self.readers.clone(),
        })
    }

    /// A connection for writing.
    pub fn writer(&self) -> Result<Writer> {
        let conn =
            self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        Ok(Writer(conn, self.actor.clone()))
    }

    fn connect(&self, flags: OpenFlags) -> Result<Connection> {
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| not_a_store(e, &self.path))?;
        wait_for_locks(&conn)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| not_a_store(e, &self.path))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::NotAStore {
                path: self.path.display().to_string(),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(conn)
    }
}

/// How long a connection waits for another one's write lock before it fails with `busy`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting connection tries the lock again.
const BUSY_POLL: Duration = Duration::from_millis(2);

/// Makes `conn` wait up to [`BUSY_TIMEOUT`] for a lock, trying again every 2 ms. SQLite's
/// own busy timeout sleeps up to 100 ms between tries and so can sleep through the short
/// gaps a chunked run leaves between its transactions (scheduler/): polling finely, a
/// waiting writer gets in within a chunk or two.
///
/// # Errors
/// Database errors.
pub fn wait_for_locks(conn: &Connection) -> Result<()> {
    fn poll(tries: i32) -> bool {
        let waited = BUSY_POLL * u32::try_from(tries).unwrap_or(u32::MAX);
        if waited >= BUSY_TIMEOUT {
            return false;
        }
        waiting::on_busy();
        std::thread::sleep(BUSY_POLL);
        true
    }
    conn.busy_handler(Some(poll))?;
    Ok(())
}

/// Creates a missing store file readable and writable by its owner only (0600, whatever
/// the umask): it holds learner data. SQLite gives its `-wal` and `-shm` the same mode.
fn create_private(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        match o.open(path) {
            Ok(f) => f.set_permissions(std::fs::Permissions::from_mode(0o600))?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    #[cfg(not(unix))]
    match o.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Makes an existing store file, and its `-wal` and `-shm`, readable and writable by their
/// owner only (0600) when group or others could read or write them (a store created before
/// stores were created 0600, or copied in with a wider mode). A file this user does not own
/// is left as it is.
fn tighten(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let name = path.as_os_str();
        let mut wal = name.to_os_string();
        wal.push("-wal");
        let mut shm = name.to_os_string();
        shm.push("-shm");
        for p in [name.to_os_string(), wal, shm] {
            let Ok(meta) = std::fs::metadata(&p) else {
                continue; // absent
            };
            if !meta.is_file() || meta.permissions().mode() & 0o077 == 0 {
                continue;
            }
            match std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn not_a_store(e: rusqlite::Error, path: &Path) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            Error::NotAStore {
                path: path.display().to_string(),
            }
        }
        _ => Error::Database(e),
    }
}

/// A query-only connection to the store, given back to the store's idle readers on drop.
#[derive(Debug)]
pub struct Reader {
    /// `None` only inside `drop`.
    conn: Option<Connection>,
    pool: ReaderPool,
}

impl Deref for Reader {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.conn {
            Some(conn) => conn,
            None => unreachable!("a reader's connection is taken only when it is dropped"),
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

/// A connection that writes, one transaction at a time.
#[derive(Debug)]
pub struct Writer(Connection, Arc<audit::Actor>);

impl Writer {
    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: committed if `f` returns `Ok`,
    /// rolled back (nothing written) otherwise.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self.begin()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `step` again and again in one `BEGIN IMMEDIATE` transaction while it says more
    /// remains and `go_on()` allows it, then commits: the steps of a long job, several to a
    /// transaction while nobody waits for the lock. Returns whether more remains. An error
    /// rolls back every step of the transaction.
    pub fn write_steps(
        &mut self,
        mut step: impl FnMut(&Transaction) -> Result<bool>,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<bool> {
        let tx = self.begin()?;
        let mut more = step(&tx)?;
        while more && go_on() {
            more = step(&tx)?;
        }
        tx.commit()?;
        Ok(more)
    }

    /// Runs `f` inside one transaction that is always rolled back: what a write would do,
    /// without doing it (a count before saving, say).
    pub fn dry_run<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self.begin()?;
        f(&tx) // dropping `tx` rolls it back
    }

    /// `BEGIN IMMEDIATE`, saying while it waits for the lock that it does (waiting.rs).
    fn begin(&mut self) -> rusqlite::Result<Transaction<'_>> {
        let store = self.0.path().map(str::to_owned);
        let conn = &mut self.0;
        waiting::beginning(store.as_deref(), || {
            Transaction::new(conn, TransactionBehavior::Immediate)
        })
    }

    /// Who this writer's changes are recorded as made by: pass it to [`audit::record`].
    pub fn actor(&self) -> Arc<audit::Actor> {
        self.1.clone()
    }

    /// Reads through the writer's connection (to see what it has just written).
    pub fn conn(&self) -> &Connection {
        &self.0
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.0
    }
}
