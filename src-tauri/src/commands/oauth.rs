//! "Sign in with Microsoft" / "Sign in with Google" (OAuth2 for SMTP): the loopback flow,
//! the provider's page opened in the system browser (`tauri-plugin-opener`, from Rust, https
//! only), the wait for its redirect on the blocking pool (never the UI thread).

use std::time::Duration;

use certdesk_core::api::smtp;
use certdesk_core::mail::oauth::OAuthSettings;
use certdesk_core::mail::oauth_account::SignedIn;
use certdesk_core::mail::oauth_flow::{Flow, SignInPrompt};
use certdesk_core::mail::oauth_token::OAuthContext;
use certdesk_core::Error;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::CommandResult;
use crate::state::AppState;

/// How long the browser has to come back.
const WAIT: Duration = Duration::from_secs(300);

/// The environment variable of the end-to-end tests' browser (debug builds only): instead
/// of opening a browser, follow the provider's redirect to the loopback as a browser would.
pub const TEST_BROWSER_ENV: &str = "CERTDESK_TEST_FOLLOW_SIGN_IN";

/// Opens the sign-in page: https only, so nothing else can be handed to the system.
fn open(app: &AppHandle, p: &SignInPrompt) -> certdesk_core::Result<()> {
    let SignInPrompt::Browser { url } = p else {
        return Err(Error::SignIn("the desktop signs in in a browser".into()));
    };
    if cfg!(debug_assertions) && std::env::var_os(TEST_BROWSER_ENV).is_some() {
        let url = url.clone();
        std::thread::spawn(move || certdesk_core::mail::oauth_flow::follow_redirect(&url));
        return Ok(());
    }
    if !url.starts_with("https://") {
        return Err(Error::invalid("authorize url", "must be an https address"));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| Error::SignIn(format!("the browser could not be opened: {e}")))
}

/// Signs in with the provider of `registration` as its account, through the system
/// browser; the SMTP user becomes the account and a pause is lifted.
#[tauri::command]
#[specta::specta]
pub async fn smtp_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    registration: OAuthSettings,
) -> CommandResult<SignedIn> {
    let now = state.now();
    state
        .write(move |w| {
            let mut prompt = |p: &SignInPrompt| open(&app, p);
            let ctx = OAuthContext::default();
            smtp::sign_in(
                w,
                &ctx,
                &registration,
                Flow::Loopback,
                &mut prompt,
                WAIT,
                now,
            )
        })
        .await
}

/// Signs the OAuth account out; returns it, if one was signed in.
#[tauri::command]
#[specta::specta]
pub async fn smtp_sign_out(state: State<'_, AppState>) -> CommandResult<Option<String>> {
    state
        .write(|w| smtp::sign_out(w, &OAuthContext::default()))
        .await
}
