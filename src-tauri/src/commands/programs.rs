//! Programs, certifications, learners and groups as the screens list and pick them;
//! assigning a learner, a group or a CSV roster of id numbers; recording a course
//! completion; creating and editing programs and courses. Each calls one `api` function.

use certdesk_core::api::{catalog, enrolment, programs};
use certdesk_core::enrolment::completion::CompletionSummary;
use certdesk_core::enrolment::AssignSummary;
use certdesk_core::import::ImportPreview;
use certdesk_core::program::catalog::{
    CourseRef, CourseSetView, GroupSummary, LearnerSummary, ProgramSummary,
};
use certdesk_core::program::ProgramDraft;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Every program and certification, by name.
#[tauri::command]
#[specta::specta]
pub async fn program_list(state: State<'_, AppState>) -> CommandResult<Vec<ProgramSummary>> {
    state.read(catalog::programs).await
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
        .write(move |w| enrolment::assign_learners(w, now, program_id, &[learner_id], None))
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
    state
        .write(move |w| enrolment::record_completion(w, now, learner_id, course_id, now))
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
        .read(move |r| catalog::program_draft(r, program_id))
        .await
}

/// Creates or updates a program or certification; returns its id. The memberships of an
/// edited program are settled under its new rules in the same transaction.
#[tauri::command]
#[specta::specta]
pub async fn save_program(state: State<'_, AppState>, draft: ProgramDraft) -> CommandResult<i64> {
    let now = state.now();
    state.write(move |w| programs::save(w, &draft, now)).await
}

/// Every course, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_courses(state: State<'_, AppState>) -> CommandResult<Vec<CourseRef>> {
    state.read(catalog::courses).await
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
        .write(move |w| catalog::add_course(w, &short_name, &full_name))
        .await
}

/// Every group of learners, by name, with its member count.
#[tauri::command]
#[specta::specta]
pub async fn list_groups(state: State<'_, AppState>) -> CommandResult<Vec<GroupSummary>> {
    state.read(catalog::groups).await
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
        .write(move |w| enrolment::assign_group(w, now, program_id, group_id, due.as_deref()))
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
        .read(move |r| enrolment::preview_roster(r, program_id, &path))
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
        .write(move |w| enrolment::assign_roster(w, now, program_id, &path, due.as_deref()))
        .await
}
