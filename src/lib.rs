//! postmortem turns a Linux support bundle into a postmortem report: what failed, when, why, and
//! what to do, every claim backed by a line of the bundle.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! bundle -> sources -> parse -> (facts) -> derive -> timeline -> analyze -> render
//! ```
//!
//! [`pipeline`] strings the stages together; the binary only parses the command line, calls it,
//! and prints.

pub mod analyze;
pub mod batch;
pub mod bundle;
pub mod derive;
pub mod facts;
pub mod kb;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod redact;
pub mod render;
pub mod report;
pub mod retention;
pub mod sources;
pub mod timeline;
pub mod units;
