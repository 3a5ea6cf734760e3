//! How WebKitGTK draws the window on Linux. Its accelerated compositing mode keeps
//! OpenGL layers and their tiles in the web process (about 80 MB more of it idle, measured in
//! docs/BENCHMARKS.md); CertDesk's screens are tables and forms that WebKit paints just as
//! well without it, so CertDesk turns it off unless the environment says otherwise
//! (`WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps it on).

/// WebKitGTK's switch, read when the first web view is created.
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Turns off WebKit's compositing mode, unless the variable is set already. Call it first
/// thing in `main`, before any thread is started (it sets an environment variable).
pub fn prefer_light_rendering() {
    if cfg!(target_os = "linux") && std::env::var_os(DISABLE_COMPOSITING).is_none() {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
}
