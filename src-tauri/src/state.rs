//! The state every command shares: the store, the clock and the timer's status. SQLite work
//! runs on the blocking pool, never on the main (UI) thread or an async worker.

use std::sync::{Arc, Mutex, RwLock};

use certdesk_core::{Clock, Db, Reader, Writer};
use jiff::Timestamp;

use crate::error::CommandResult;
use crate::made::MadeFiles;
use crate::notifier::Notifier;
use crate::timer::{FirstScreen, TimerStatus};

/// The store in use. It changes only when the first run opens an existing file; every
/// command and the timer take the current one.
#[derive(Clone)]
pub struct Store(Arc<RwLock<Db>>);

impl Store {
    pub fn new(db: Db) -> Store {
        Store(Arc::new(RwLock::new(db)))
    }

    pub fn get(&self) -> Db {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn switch_to(&self, db: Db) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = db;
    }
}

pub struct AppState {
    pub db: Store,
    pub clock: Arc<dyn Clock>,
    pub timer: Arc<Mutex<TimerStatus>>,
    /// Signalled when the dashboard has its first figures; the start-up run waits for it.
    pub first_screen: Arc<FirstScreen>,
    /// The OS notifications raised while the window was hidden.
    pub notifier: Arc<Notifier>,
    /// The files exported or backed up in this session ("Open", "Show in folder").
    pub made: MadeFiles,
}

impl AppState {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs `f` with the store on the blocking pool.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db) -> certdesk_core::Result<T> + Send + 'static,
    ) -> CommandResult<T> {
        let db = self.db.get();
        let out = tauri::async_runtime::spawn_blocking(move || f(&db)).await?;
        Ok(out?)
    }

    /// Runs `f` with a reader on the blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader) -> certdesk_core::Result<T> + Send + 'static,
    ) -> CommandResult<T> {
        self.blocking(move |db| f(&db.reader()?)).await
    }

    /// Runs `f` with a writer on the blocking pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer) -> certdesk_core::Result<T> + Send + 'static,
    ) -> CommandResult<T> {
        self.blocking(move |db| f(&mut db.writer()?)).await
    }
}
