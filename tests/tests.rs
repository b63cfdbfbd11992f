//! Integration tests: one binary, modules by theme.

mod util;

mod baseline;
mod batch;
mod bundle_formats;
mod html_browser;
mod report_contract;
mod samples_detect;
