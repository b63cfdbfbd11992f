//! Integration tests: one binary, modules by theme.

mod util;

mod baseline;
mod batch;
mod boots;
mod bundle_formats;
mod classes;
mod cli;
mod framings;
mod hostile;
mod html_browser;
mod incidents;
mod kb;
mod oom_depth;
mod real_excerpts;
mod real_host;
mod real_sosreport;
mod redact;
mod report_contract;
mod samples_detect;
mod snapshots;
mod streaming;
mod supportconfig;
