//! How far a long piece of work has got, for a progress bar.

use serde::Serialize;

/// `done` of `total` items (rows changed, rows written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}
