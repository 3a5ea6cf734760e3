//! Programs, certifications, learners and groups as the screens list and pick them;
//! assigning a learner, a group or a CSV roster of id numbers; recording a course
//! completion; creating and editing programs and courses.

use certdesk_core::enrolment::completion::{record_completions, Completion, CompletionSummary};
use certdesk_core::enrolment::{self, AssignSummary};
use certdesk_core::import::{self, ImportPreview};
use certdesk_core::program::catalog::{
    self, CourseRef, CourseSetView, GroupSummary, LearnerSummary, ProgramSummary,
};
use certdesk_core::program::course;
use certdesk_core::program::{self, ProgramDraft};
use certdesk_core::time::parse_date;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Every program and certification, by name.
#[tauri::command]
#[specta::specta]
pub async fn program_list(state: State<'_, AppState>) -> CommandResult<Vec<ProgramSummary>> {
    state.read(|r| catalog::program_summaries(r)).await
}

/// A program's course sets, path by path, with their courses.
#[tauri::command]
#[specta::specta]
pub async fn course_sets(
    state: State<'_, AppState>,
    program_id: i64,
) -> CommandResult<Vec<CourseSetView>> {
    state
        .read(move |r| catalog::course_sets(r, program_id))
        .await
}

/// Learners whose name, id number or email contains `text`.
#[tauri::command]
#[specta::specta]
pub async fn find_learners(
    state: State<'_, AppState>,
    text: String,
    limit: u32,
) -> CommandResult<Vec<LearnerSummary>> {
    state
        .read(move |r| catalog::find_learners(r, &text, limit))
        .await
}

/// Assigns one learner to a program individually (the program's rule gives the due date).
#[tauri::command]
#[specta::specta]
pub async fn assign_learner(
    state: State<'_, AppState>,
    program_id: i64,
    learner_id: i64,
) -> CommandResult<AssignSummary> {
    let now = state.now();
    state
        .write(move |w| w.write(|tx| enrolment::assign(tx, now, program_id, &[learner_id], None)))
        .await
}

/// Records that a learner completed a course now.
#[tauri::command]
#[specta::specta]
pub async fn record_completion(
    state: State<'_, AppState>,
    learner_id: i64,
    course_id: i64,
) -> CommandResult<CompletionSummary> {
    let now = state.now();
    let c = Completion {
        learner_id,
        course_id,
        completed_at: now,
    };
    state
        .write(move |w| w.write(|tx| record_completions(tx, now, &[c])))
        .await
}

/// A program or certification as the editor shows it.
#[tauri::command]
#[specta::specta]
pub async fn program_draft(
    state: State<'_, AppState>,
    program_id: i64,
) -> CommandResult<ProgramDraft> {
    state
        .read(move |r| program::program_draft(r, program_id))
        .await
}

/// Creates or updates a program or certification; returns its id. The memberships of an
/// edited program are settled under its new rules in the same transaction.
#[tauri::command]
#[specta::specta]
pub async fn save_program(state: State<'_, AppState>, draft: ProgramDraft) -> CommandResult<i64> {
    let now = state.now();
    state
        .write(move |w| certdesk_core::api::programs::save(w, &draft, now))
        .await
}

/// Every course, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_courses(state: State<'_, AppState>) -> CommandResult<Vec<CourseRef>> {
    state.read(|r| course::list_courses(r)).await
}

/// Adds a course by name.
#[tauri::command]
#[specta::specta]
pub async fn add_course(
    state: State<'_, AppState>,
    short_name: String,
    full_name: String,
) -> CommandResult<CourseRef> {
    state
        .write(move |w| w.write(|tx| course::add_course(tx, &short_name, &full_name)))
        .await
}

/// Every group of learners, by name, with its member count.
#[tauri::command]
#[specta::specta]
pub async fn list_groups(state: State<'_, AppState>) -> CommandResult<Vec<GroupSummary>> {
    state.read(|r| catalog::groups(r)).await
}

/// Assigns a program to a group (its members now and those who join later), with an optional
/// due date (YYYY-MM-DD).
#[tauri::command]
#[specta::specta]
pub async fn assign_group(
    state: State<'_, AppState>,
    program_id: i64,
    group_id: i64,
    due: Option<String>,
) -> CommandResult<AssignSummary> {
    let now = state.now();
    state
        .write(move |w| {
            let due = due.as_deref().map(parse_date).transpose()?;
            w.write(|tx| enrolment::assign_group(tx, now, program_id, group_id, due))
        })
        .await
}

/// What assigning the roster at `path` (a CSV `id_number` column) would do; writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn preview_assign_csv(
    state: State<'_, AppState>,
    program_id: i64,
    path: String,
) -> CommandResult<ImportPreview> {
    state
        .read(move |r| {
            certdesk_core::enrolment::roster::preview_roster(r, program_id, import::open(&path)?)
        })
        .await
}

/// Assigns every learner of the roster at `path` to a program, with an optional due date;
/// `rejected` (nothing written) when any row is bad.
#[tauri::command]
#[specta::specta]
pub async fn assign_from_csv(
    state: State<'_, AppState>,
    program_id: i64,
    path: String,
    due: Option<String>,
) -> CommandResult<AssignSummary> {
    let now = state.now();
    state
        .write(move |w| {
            let due = due.as_deref().map(parse_date).transpose()?;
            let file = import::open(&path)?;
            w.write(|tx| {
                certdesk_core::enrolment::roster::assign_roster(tx, now, program_id, due, file)
            })
        })
        .await
}
