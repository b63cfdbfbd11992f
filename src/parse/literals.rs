//! Sets of literal strings looked for in one pass.
//!
//! The parsers decide most lines by the absence of a few words. A packed searcher (Teddy, on
//! CPUs with SSSE3 or AVX2) finds any of up to 64 literals in one vectorised pass, several times
//! faster on short lines than an automaton, which remains the fallback.

use aho_corasick::{packed, AhoCorasick};

/// A set of literals, searched for all at once.
#[derive(Debug)]
pub struct Literals {
    packed: Option<packed::Searcher>,
    automaton: Option<AhoCorasick>,
}

impl Literals {
    pub fn new(literals: &[&str]) -> Literals {
        let mut builder = packed::Config::new().builder();
        builder.extend(literals);
        let packed = builder.build();
        let automaton = if packed.is_none() {
            AhoCorasick::new(literals).ok()
        } else {
            None
        };
        Literals { packed, automaton }
    }

    /// Whether `haystack` holds any of the literals. Should neither searcher build, every
    /// haystack may hold one: callers then run their exact patterns on every line.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        match (&self.packed, &self.automaton) {
            (Some(p), _) => p.find(haystack).is_some(),
            (None, Some(a)) => a.is_match(haystack),
            (None, None) => true,
        }
    }

    /// The packed searcher, for a search over many lines at once.
    pub fn packed(&self) -> Option<&packed::Searcher> {
        self.packed.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_any_literal() {
        let l = Literals::new(&["nsenter", "OCI runtime", "Mem-Info:"]);
        assert!(l.is_match(b"x nsenter: failed"));
        assert!(l.is_match(b"Mem-Info:"));
        assert!(!l.is_match(b"ordinary chatter of a daemon"));
        assert!(!l.is_match(b""));
    }
}
