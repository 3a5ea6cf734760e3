//! The files this session made (exports, backups): the only ones "Open" and "Show in
//! folder" may open. The window names a file; the shell opens it only if it is one of these,
//! so the window holds no permission to open arbitrary paths.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The files made in this session, by their path as the core reported it.
#[derive(Clone, Default)]
pub struct MadeFiles(Arc<Mutex<HashSet<PathBuf>>>);

impl MadeFiles {
    /// Records a file just written.
    pub fn add(&self, path: impl Into<PathBuf>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.into());
    }

    /// Whether `path` is a file this session made.
    pub fn contains(&self, path: &Path) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(path)
    }
}

#[cfg(test)]
mod tests {
    use super::MadeFiles;
    use std::path::Path;

    #[test]
    fn only_a_file_made_is_known() {
        let made = MadeFiles::default();
        made.add("/tmp/export.csv");
        assert!(made.contains(Path::new("/tmp/export.csv")));
        assert!(!made.contains(Path::new("/etc/passwd")));
    }
}
