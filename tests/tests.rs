//! Integration tests: one binary, modules by theme.

mod util;

mod bundle_formats;
mod html_browser;
mod real_host;
mod report_contract;
mod samples_detect;
mod streaming;
