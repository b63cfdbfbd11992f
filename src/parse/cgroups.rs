//! `/proc/cgroups`.
use crate::facts::Cgroups;
use crate::parse::Parsed;

pub fn parse(text: &str) -> Parsed<Cgroups> {
    let _ = text;
    Parsed::default()
}
