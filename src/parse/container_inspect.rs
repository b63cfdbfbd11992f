//! `docker inspect` and `podman inspect`.
use crate::facts::Container;
use crate::parse::Parsed;

pub fn parse(text: &str) -> Parsed<Vec<Container>> {
    let _ = text;
    Parsed::default()
}
