//! The read models of the screens: the dashboard, the outlook of the weeks ahead, the
//! membership and completion reports, and the export of the membership report to a file.

pub mod completion;
pub mod compliance;
pub mod dashboard;
pub mod export;
pub mod format;
pub mod membership;
pub mod message_log;
pub mod outlook;
pub mod summary;
pub mod trail;
