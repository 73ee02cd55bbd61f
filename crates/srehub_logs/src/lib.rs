//! Log records, format parsers and template mining for `srehub logs`.
//!
//! Pure code: callers (the engine) do the reading; this crate turns lines into [`Record`]s
//! ([`formats::Parser`]), records into templates ([`drain::Miner`]) and template streams into analyses.

mod bytes;
pub mod drain;
pub mod fields;
pub mod filter;
pub mod formats;
pub mod level;
pub mod mask;
pub mod pattern;
pub mod record;
pub mod render;
pub mod summary;
pub mod time;

pub use compact_str::CompactString;
pub use record::{FieldList, FieldRef, FieldValue, Format, Level, Record};
