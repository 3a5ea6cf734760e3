//! How WebKitGTK draws the window and keeps its memory on Linux, set through environment
//! variables that WebKit and its JavaScript engine read when their processes start (the web
//! process inherits the app's environment). Each is set only when the environment does not
//! say otherwise, so an administrator can still turn it back (measured in
//! docs/BENCHMARKS.md):
//!
//! - `WEBKIT_DISABLE_COMPOSITING_MODE=1`: no accelerated compositing. Its OpenGL layers and
//!   their tiles cost the web process about 80 MB idle; CertDesk's screens are tables and
//!   forms that WebKit paints just as well without it (`=0` keeps it on).
//! - `JSC_forceMiniVMMode=true`: JavaScriptCore's "mini VM" mode in the web process, whose
//!   heap grows by a smaller factor between collections (`miniVMHeapGrowthFactor`), so the
//!   garbage of a scrolled report is collected sooner: 3.5 to 5.6 MB less in the web process
//!   after a long scroll, 2.5 MB less idle, no slower (`=false` keeps JavaScriptCore's
//!   default).

use std::ffi::OsString;

/// The variables CertDesk sets, with their values.
const LIGHT: [(&str, &str); 2] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("JSC_forceMiniVMMode", "true"),
];

/// The variables to set given the environment as `get` reads it: each of [`LIGHT`] the
/// environment does not set already.
fn to_set(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    LIGHT
        .into_iter()
        .filter(|(name, _)| get(name).is_none())
        .collect()
}

/// Sets the variables of [`LIGHT`] that are not set already (Linux only). Call it first
/// thing in `main`, before any thread is started (it sets environment variables).
pub fn prefer_light_rendering() {
    if cfg!(target_os = "linux") {
        for (name, value) in to_set(|name| std::env::var_os(name)) {
            std::env::set_var(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_environment_gets_compositing_off_and_the_small_javascript_heap() {
        let set = to_set(|_| None);
        assert_eq!(
            set,
            vec![
                ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
                ("JSC_forceMiniVMMode", "true")
            ]
        );
    }

    #[test]
    fn a_variable_the_environment_sets_is_left_as_it_is() {
        let set = to_set(|name| (name == "JSC_forceMiniVMMode").then(|| "false".into()));
        assert_eq!(set, vec![("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]);
        let set = to_set(|name| (name == "WEBKIT_DISABLE_COMPOSITING_MODE").then(|| "0".into()));
        assert_eq!(set, vec![("JSC_forceMiniVMMode", "true")]);
    }
}
