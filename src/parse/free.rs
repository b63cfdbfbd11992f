//! `free` output.
use crate::facts::Free;
use crate::parse::Parsed;

pub fn parse(text: &str) -> Parsed<Option<Free>> {
    let _ = text;
    Parsed::default()
}
