//! Where the store lives: `--db PATH`, else `$CERTDESK_DB`, else the OS application-data
//! folder (the same folder the desktop app's `app_data_dir` names). In that folder,
//! `store-location.txt` may name a store file elsewhere: the one the administrator opened
//! at first run; the desktop app and the CLI then both use that file where it is.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The bundle identifier; also the name of the application-data folder.
pub const IDENTIFIER: &str = "com.certdesk.app";
/// The environment variable that overrides the default location.
pub const DB_ENV: &str = "CERTDESK_DB";
pub const FILE_NAME: &str = "certdesk.sqlite";
/// The file in the data folder naming a store kept elsewhere.
pub const POINTER_FILE: &str = "store-location.txt";

/// The store path to use, from an explicit `--db`, the environment, or the data folder.
///
/// # Errors
/// [`Error::NotFound`] when the data folder points at a store file that is gone (an
/// unmounted drive, say): nothing is created in its place.
pub fn resolve(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let env = std::env::var_os(DB_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    match explicit.or(env) {
        Some(p) => Ok(p),
        None => in_folder(&default_dir()),
    }
}

/// `<data dir>/com.certdesk.app`, e.g. `~/.local/share/...` on Linux, `%APPDATA%\...` on
/// Windows, `~/Library/Application Support/...` on macOS.
pub fn default_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(IDENTIFIER)
}

/// The store of the data folder `dir`: the file `store-location.txt` names, else
/// `dir/certdesk.sqlite`.
///
/// # Errors
/// [`Error::NotFound`] when the named file does not exist; file errors reading the pointer.
pub fn in_folder(dir: &Path) -> Result<PathBuf> {
    match pointed(dir)? {
        Some(p) if p.is_file() => Ok(p),
        Some(p) => Err(Error::NotFound {
            what: "store file",
            key: format!(
                "{} (named in {}; reconnect it, or delete that file to use the default store)",
                p.display(),
                dir.join(POINTER_FILE).display()
            ),
        }),
        None => Ok(dir.join(FILE_NAME)),
    }
}

/// The store file `dir/store-location.txt` names, if there is one.
pub fn pointed(dir: &Path) -> Result<Option<PathBuf>> {
    match std::fs::read_to_string(dir.join(POINTER_FILE)) {
        Ok(s) => Ok(Some(s.trim_end_matches(['\n', '\r']))
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Makes the data folder `dir` point at `store` (an absolute path), written whole or not at
/// all.
pub fn point_to(dir: &Path, store: &Path) -> Result<()> {
    if !store.is_absolute() {
        return Err(Error::invalid(
            "path",
            "give the full path of the store file",
        ));
    }
    let text = store
        .to_str()
        .ok_or_else(|| Error::invalid("path", "the path is not valid Unicode"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{POINTER_FILE}.part"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(format!("{text}\n").as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(POINTER_FILE))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_folder_uses_its_own_file_until_it_points_elsewhere() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        assert_eq!(in_folder(&data).expect("default"), data.join(FILE_NAME));

        let elsewhere = dir.path().join("shared").join("team.sqlite");
        assert!(matches!(
            point_to(&data, Path::new("relative.sqlite")),
            Err(Error::Invalid { .. })
        ));
        point_to(&data, &elsewhere).expect("point");
        let missing = in_folder(&data);
        assert!(
            matches!(missing, Err(Error::NotFound { .. })),
            "{missing:?}"
        );

        std::fs::create_dir_all(elsewhere.parent().expect("parent")).expect("mkdir");
        std::fs::write(&elsewhere, b"").expect("touch");
        assert_eq!(in_folder(&data).expect("pointed"), elsewhere);
    }
}
