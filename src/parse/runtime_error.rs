//! Container runtime error text, wherever it appears.
use crate::facts::{Line, RuntimeError};
use crate::parse::Parsed;

/// Scan a whole text (pasted CLI output, an unknown file) for runtime errors.
pub fn parse(text: &str) -> Parsed<Vec<RuntimeError>> {
    let _ = text;
    Parsed::default()
}

/// Read one line (or one message of a line) as a runtime error, when it is one.
pub fn scan_line(line: &Line, message: &str) -> Option<RuntimeError> {
    let _ = (line, message);
    None
}
