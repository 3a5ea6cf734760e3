//! How WebKitGTK draws the window and keeps its memory on Linux, set through environment
//! variables that GTK, WebKit and its JavaScript engine read when they start (the web
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
//! - `JSC_useJIT=false`: the page's script is interpreted, not compiled to machine code:
//!   about 8 MB less in the web process idle and 9 to 15 MB less with the 1M report
//!   scrolled; clicks no slower that a benchmark shows, a long scroll of the 1M report 3 to
//!   11% slower, with no blank step (`=true` compiles it again).
//!
//! With compositing off the app's own process draws nothing with OpenGL, yet GTK and WebKit
//! still open a GL display in it, and with Mesa that loads the whole driver (with software
//! GL, llvmpipe and its LLVM: about 22 MB of memory). Three more variables keep it from
//! being loaded, only while compositing is off (the web process still opens its own
//! display, which WebKit requires):
//!
//! - `GDK_GL=disable`: GTK does not look for GL visuals when it opens the X display
//!   (any value set keeps GTK's default).
//! - `WEBKIT_DISABLE_DMABUF_RENDERER=1`: the window shows what the web process paints
//!   without sharing GPU buffers, so WebKit does not open an EGL display to check for them
//!   (`=0` keeps the DMA-BUF renderer).
//! - `WEBKIT_WEB_RENDER_DEVICE_FILE=/dev/null`: WebKit names this GPU device to the web
//!   process instead of opening an EGL display to find one; without the DMA-BUF renderer
//!   the web process has no use for it (any value set is kept).

use std::ffi::OsString;

/// The variables CertDesk sets, with their values.
const LIGHT: [(&str, &str); 3] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("JSC_forceMiniVMMode", "true"),
    ("JSC_useJIT", "false"),
];

/// The variables that keep the app's process from loading a GL driver: set only when
/// compositing is off.
const NO_GL: [(&str, &str); 3] = [
    ("GDK_GL", "disable"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/null"),
];

/// The variables to set given the environment as `get` reads it: each of [`LIGHT`] the
/// environment does not set already, and each of [`NO_GL`] too when compositing ends up
/// off (WebKit keeps it on only for a value of `0`).
fn to_set(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    let compositing_off = !matches!(get("WEBKIT_DISABLE_COMPOSITING_MODE"), Some(v) if v == "0");
    let no_gl: &[(&'static str, &'static str)] = if compositing_off { &NO_GL } else { &[] };
    LIGHT
        .iter()
        .chain(no_gl)
        .copied()
        .filter(|(name, _)| get(name).is_none())
        .collect()
}

/// Sets the variables of [`to_set`] (Linux only). Call it first thing in `main`, before
/// any thread is started (it sets environment variables) and before GTK starts.
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
    fn an_empty_environment_gets_compositing_off_a_small_interpreted_javascript_and_no_gl() {
        let set = to_set(|_| None);
        assert_eq!(
            set,
            vec![
                ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
                ("JSC_forceMiniVMMode", "true"),
                ("JSC_useJIT", "false"),
                ("GDK_GL", "disable"),
                ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
                ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/null"),
            ]
        );
    }

    #[test]
    fn a_variable_the_environment_sets_is_left_as_it_is() {
        let set = to_set(|name| (name == "JSC_forceMiniVMMode").then(|| "false".into()));
        assert!(!set.iter().any(|(name, _)| *name == "JSC_forceMiniVMMode"));
        assert_eq!(set.len(), 5);
        let set = to_set(|name| (name == "WEBKIT_DISABLE_DMABUF_RENDERER").then(|| "0".into()));
        assert!(!set
            .iter()
            .any(|(name, _)| *name == "WEBKIT_DISABLE_DMABUF_RENDERER"));
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn with_compositing_kept_on_gl_is_left_alone() {
        let set = to_set(|name| (name == "WEBKIT_DISABLE_COMPOSITING_MODE").then(|| "0".into()));
        assert_eq!(
            set,
            vec![("JSC_forceMiniVMMode", "true"), ("JSC_useJIT", "false")]
        );
    }

    #[test]
    fn compositing_turned_off_by_the_environment_still_gets_no_gl() {
        let set = to_set(|name| (name == "WEBKIT_DISABLE_COMPOSITING_MODE").then(|| "1".into()));
        assert_eq!(set.len(), 5);
        assert!(set.contains(&("GDK_GL", "disable")));
    }
}
