//! Integration tests: one binary, modules by theme.

mod util;

mod hostile;
mod html_browser;
mod report_contract;
mod samples_detect;
