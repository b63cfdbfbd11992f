//! Evidence: lines of the bundle quoted verbatim, with their path and line number.
//!
//! Rules never write evidence text themselves; they hand over the [`Line`] a parser kept, so the
//! report quotes exactly what the bundle says at `path:line`.

use crate::facts::Line;
use crate::report::Evidence;

/// Quote `line` of the file at `path`.
pub fn cite(path: &str, line: &Line) -> Evidence {
    Evidence {
        path: path.to_string(),
        line: Some(line.no),
        text: line.text.clone(),
        masked: false,
    }
}

/// An ordered collection of evidence without repeats.
///
/// Items keep the order the rule adds them in (the order that tells the story: the failure
/// line, then the trace, then the tables), and a line quoted twice appears once.
#[derive(Debug, Clone, Default)]
pub struct EvidenceSet {
    items: Vec<Evidence>,
}

impl EvidenceSet {
    pub fn new() -> EvidenceSet {
        EvidenceSet::default()
    }

    /// Add `path:line`, unless it is already there.
    pub fn add(&mut self, path: &str, line: &Line) -> &mut EvidenceSet {
        self.push(cite(path, line))
    }

    /// Add `path:line` when there is a line.
    pub fn add_opt(&mut self, path: &str, line: Option<&Line>) -> &mut EvidenceSet {
        if let Some(line) = line {
            self.add(path, line);
        }
        self
    }

    /// Add every line of `lines`.
    pub fn add_all<'a>(
        &mut self,
        path: &str,
        lines: impl IntoIterator<Item = &'a Line>,
    ) -> &mut EvidenceSet {
        for line in lines {
            self.add(path, line);
        }
        self
    }

    /// Add an item built elsewhere, unless an identical one is already there.
    pub fn push(&mut self, item: Evidence) -> &mut EvidenceSet {
        if !self.items.contains(&item) {
            self.items.push(item);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The evidence in insertion order.
    pub fn into_vec(self) -> Vec<Evidence> {
        self.items
    }
}

/// Sort evidence by path, then line: the order for a list that has no story to tell.
pub fn sort_by_location(items: &mut [Evidence]) {
    items.sort_by(|a, b| (&a.path, a.line, &a.text).cmp(&(&b.path, b.line, &b.text)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_line_verbatim_and_drops_repeats() {
        let header = Line::new(
            18,
            "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
        );
        let mut set = EvidenceSet::new();
        set.add("dmesg", &header)
            .add("dmesg", &header)
            .add_opt("dmesg", None)
            .add("messages", &header);
        let items = set.into_vec();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].path, "dmesg");
        assert_eq!(items[0].line, Some(18));
        assert_eq!(items[0].text, header.text);
        assert_eq!(items[1].path, "messages");
    }

    #[test]
    fn sorts_by_path_then_line() {
        let mut items = vec![
            cite("b", &Line::new(1, "x")),
            cite("a", &Line::new(9, "y")),
            cite("a", &Line::new(2, "z")),
        ];
        sort_by_location(&mut items);
        let order: Vec<(String, Option<u32>)> =
            items.into_iter().map(|e| (e.path, e.line)).collect();
        assert_eq!(
            order,
            [
                ("a".to_string(), Some(2)),
                ("a".to_string(), Some(9)),
                ("b".to_string(), Some(1))
            ]
        );
    }
}
