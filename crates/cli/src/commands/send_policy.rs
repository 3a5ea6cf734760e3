//! `settings send-policy`, `settings program-window` and `settings holidays`: when messages
//! go out (send time, working hours and days, holidays), store-wide or for one program.

use std::path::PathBuf;

use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::notify::send_window::{ProgramWindow, SendWindow};
use certdesk_core::Db;

use crate::output::Output;

/// `settings send-policy show|set`.
#[derive(clap::Subcommand, Debug)]
pub enum Policy {
    /// Print the send time and the send window.
    Show,
    /// Change the send time and/or the window; what is not given stays as it is.
    Set(WindowArgs),
}

/// The parts of a window that can be set; what is not given stays as it is.
#[derive(clap::Args, Debug)]
pub struct WindowArgs {
    /// The local time of day date reminders are due, HH:MM (store-wide only).
    #[arg(long)]
    send_time: Option<String>,
    /// Hold messages outside the window: on or off.
    #[arg(long)]
    window: Option<super::settings::OnOff>,
    /// Working hours, HH:MM-HH:MM (e.g. 08:00-18:00).
    #[arg(long)]
    hours: Option<String>,
    /// Working days, comma-separated (e.g. mon,tue,wed,thu,fri).
    #[arg(long)]
    days: Option<String>,
}

/// `settings program-window show|set|clear --program SHORT`.
#[derive(clap::Subcommand, Debug)]
pub enum ProgramCmd {
    /// Print the program's own window (none: the store's applies).
    Show {
        #[arg(long)]
        program: String,
    },
    /// Give the program its own window, starting from its current one.
    Set {
        #[arg(long)]
        program: String,
        #[command(flatten)]
        window: WindowArgs,
        /// Use the program's own holiday list (on) or the store's (off).
        #[arg(long)]
        own_holidays: Option<super::settings::OnOff>,
    },
    /// Remove the program's own window: the store's applies again.
    Clear {
        #[arg(long)]
        program: String,
    },
}

/// `settings holidays list|import|clear [--program SHORT]`.
#[derive(clap::Subcommand, Debug)]
pub enum Holidays {
    /// List the store's holidays (or a program's own).
    List {
        #[arg(long)]
        program: Option<String>,
    },
    /// Add the days of an .ics calendar or a CSV of dates (YYYY-MM-DD[,name]); all or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        program: Option<String>,
    },
    /// Remove every holiday of the list.
    Clear {
        #[arg(long)]
        program: Option<String>,
    },
}

fn apply(mut w: SendWindow, a: &WindowArgs) -> anyhow::Result<SendWindow> {
    if let Some(on) = a.window {
        w.enabled = on == super::settings::OnOff::On;
    }
    if let Some(h) = &a.hours {
        let (s, e) = h
            .split_once('-')
            .ok_or_else(|| anyhow::anyhow!("--hours: expected HH:MM-HH:MM, got '{h}'"))?;
        w.start = s.trim().to_string();
        w.end = e.trim().to_string();
    }
    if let Some(d) = &a.days {
        w.days = d.split(',').map(|x| x.trim().to_string()).collect();
    }
    Ok(w)
}

fn window_text(w: &SendWindow) -> String {
    if w.enabled {
        format!("window {}-{} on {}", w.start, w.end, w.days.join(","))
    } else {
        format!(
            "window off (when on: {}-{} on {})",
            w.start,
            w.end,
            w.days.join(",")
        )
    }
}

/// Runs `settings send-policy`.
pub fn policy(cmd: Policy, db: &Db, out: &Output) -> anyhow::Result<()> {
    let p = match cmd {
        Policy::Show => send_policy::policy(&db.reader()?)?,
        Policy::Set(a) => {
            let cur = send_policy::policy(&db.reader()?)?;
            let next = SendPolicy {
                send_time: a.send_time.clone().unwrap_or(cur.send_time),
                window: apply(cur.window, &a)?,
            };
            send_policy::set_policy(&mut db.writer()?, &next)?
        }
    };
    out.print(&p, || {
        format!("send time {}\n{}", p.send_time, window_text(&p.window))
    })
}

/// Runs `settings program-window`.
pub fn program(cmd: ProgramCmd, db: &Db, out: &Output) -> anyhow::Result<()> {
    let w = match cmd {
        ProgramCmd::Show { program } => send_policy::program_window(&db.reader()?, &program)?,
        ProgramCmd::Set {
            program,
            window,
            own_holidays,
        } => {
            let r = db.reader()?;
            let cur = match send_policy::program_window(&r, &program)? {
                Some(c) => c,
                None => ProgramWindow {
                    window: send_policy::policy(&r)?.window,
                    own_holidays: false,
                },
            };
            let next = ProgramWindow {
                window: apply(cur.window, &window)?,
                own_holidays: own_holidays
                    .map_or(cur.own_holidays, |o| o == super::settings::OnOff::On),
            };
            send_policy::set_program_window(&mut db.writer()?, &program, Some(&next))?
        }
        ProgramCmd::Clear { program } => {
            send_policy::set_program_window(&mut db.writer()?, &program, None)?
        }
    };
    out.print(&w, || match &w {
        Some(p) => format!(
            "{}; {} holidays",
            window_text(&p.window),
            if p.own_holidays { "own" } else { "the store's" }
        ),
        None => "no own window: the store's applies".to_string(),
    })
}

/// Runs `settings holidays`.
pub fn holidays(cmd: Holidays, db: &Db, out: &Output) -> anyhow::Result<()> {
    match cmd {
        Holidays::List { program } => {
            let list = send_policy::holidays(&db.reader()?, program.as_deref())?;
            out.print(&list, || {
                list.iter()
                    .map(|h| format!("{} {}", h.date, h.name).trim_end().to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Holidays::Import { file, program } => {
            let n = send_policy::import_holidays(&mut db.writer()?, program.as_deref(), &file)?;
            out.print(&serde_json::json!({ "imported": n }), || {
                format!("{n} holidays imported")
            })
        }
        Holidays::Clear { program } => {
            let n = send_policy::clear_holidays(&mut db.writer()?, program.as_deref())?;
            out.print(&serde_json::json!({ "cleared": n }), || {
                format!("{n} holidays removed")
            })
        }
    }
}
