//! srehub's report model, shared by every tool and by the hub.
//!
//! The data flow is always `source → model → analyzers → report → renderer`. This crate holds the last
//! three links' common parts: [`Finding`] and [`Severity`], the [`Check`] trait with its registry helpers
//! ([`CheckMeta`], [`Selection`], [`run_checks`]), the [`Report`], the stable [`ExitCode`]s and the
//! renderers in [`render`].

mod check;
pub mod duration;
mod error;
mod exit;
mod finding;
pub mod fix;
pub mod metrics;
pub mod render;
mod report;
pub mod suppress;

pub use check::{Check, CheckMeta, Findings, HasMeta, Selection, SelectionError, run_checks};
pub use error::Error;
pub use exit::ExitCode;
pub use finding::{Category, Finding, Location, Resource, Severity};
pub use report::{Chart, ChartKind, Note, NoteLevel, REPORT_SCHEMA, Report, Series, Summary};

/// Re-exported so that `declare_check!` works in crates that do not depend on `jiff` directly.
#[doc(hidden)]
pub use jiff;

/// Where a `serde_yaml_ng` error is (line and column from 1; 1:1 when it does not say) and its
/// message without the trailing ` at line L column C`, for errors that name `file:line:column` first.
pub fn yaml_error(e: &serde_yaml_ng::Error) -> (usize, usize, String) {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    (line, column, message)
}
