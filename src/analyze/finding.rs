//! A builder that lets a rule state its finding in the order a reader takes it in.

use std::collections::BTreeMap;

use serde_json::Value;

use super::evidence::EvidenceSet;
use super::Rule;
use crate::facts::{Line, OomKill};
use crate::report::{Confidence, Evidence, Finding, Recommendation, Risk, Role, Severity};

/// Builds a [`Finding`] for a rule: id and role come from the rule, the rest from the evidence.
#[derive(Debug, Clone)]
pub struct FindingBuilder {
    id: &'static str,
    role: Role,
    severity: Severity,
    confidence: Confidence,
    title: String,
    sentence: String,
    advice: String,
    /// The finding's signature segment: the id (or the id a risk precedes) and qualifiers.
    segment: &'static str,
    qualifiers: Vec<String>,
    paragraphs: Vec<String>,
    metrics: BTreeMap<String, Value>,
    evidence: EvidenceSet,
    recommendations: Vec<Recommendation>,
    references: Vec<String>,
}

impl FindingBuilder {
    /// Start a finding of `rule`, with its default role, `warning` severity and `medium`
    /// confidence until the rule says otherwise.
    pub fn new(rule: &dyn Rule) -> FindingBuilder {
        FindingBuilder {
            id: rule.id(),
            role: rule.role(),
            severity: Severity::Warning,
            confidence: Confidence::Medium,
            title: rule.summary().to_string(),
            sentence: String::new(),
            advice: String::new(),
            segment: rule.id(),
            qualifiers: Vec::new(),
            paragraphs: Vec::new(),
            metrics: BTreeMap::new(),
            evidence: EvidenceSet::new(),
            recommendations: Vec::new(),
            references: Vec::new(),
        }
    }

    pub fn role(mut self, role: Role) -> FindingBuilder {
        self.role = role;
        self
    }

    pub fn severity(mut self, severity: Severity) -> FindingBuilder {
        self.severity = severity;
        self
    }

    pub fn confidence(mut self, confidence: Confidence) -> FindingBuilder {
        self.confidence = confidence;
        self
    }

    /// The title, plain text: bundle values go in as they are (no code span), since every
    /// renderer escapes the whole title.
    pub fn title(mut self, title: impl Into<String>) -> FindingBuilder {
        self.title = title.into();
        self
    }

    /// The finding's verdict sentence, Markdown (bundle text only inside code spans): cause,
    /// mechanism and consequence with the bundle's numbers and names, as a senior engineer would
    /// say it in one breath. The root-cause summary opens with it, or states the verdict with it.
    pub fn sentence(mut self, text: impl Into<String>) -> FindingBuilder {
        self.sentence = text.into();
        self
    }

    /// What the summary says to do when this finding decides the verdict, one sentence of
    /// Markdown.
    pub fn advice(mut self, text: impl Into<String>) -> FindingBuilder {
        self.advice = text.into();
        self
    }

    /// A qualifier of the finding's segment of the incident signature: a word of the rule's own
    /// (`order6`, `netns-conntrack`, `el7`), lower-case letters, digits, `.` and `-`, that tells
    /// one kind of this finding from another. Anything else in it is dropped, so bundle text
    /// cannot make a signature unstable or a front-matter line of its own.
    pub fn qualify(mut self, qualifier: impl AsRef<str>) -> FindingBuilder {
        let q: String = qualifier
            .as_ref()
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        if !q.is_empty() && !self.qualifiers.contains(&q) {
            self.qualifiers.push(q);
        }
        self
    }

    /// For a risk: the condition or factor it precedes, which its signature segment names, so
    /// that a node heading for an incident and a node that had it share the signature family.
    pub fn precedes(mut self, id: &'static str) -> FindingBuilder {
        self.segment = id;
        self
    }

    /// Add a paragraph of Markdown to the explanation (bundle text only inside code spans).
    pub fn paragraph(mut self, text: impl Into<String>) -> FindingBuilder {
        let text = text.into();
        if !text.trim().is_empty() {
            self.paragraphs.push(text);
        }
        self
    }

    /// Add a paragraph when there is one.
    pub fn paragraph_opt(self, text: Option<String>) -> FindingBuilder {
        match text {
            Some(t) => self.paragraph(t),
            None => self,
        }
    }

    /// Record a number (or any JSON value) under `key`.
    pub fn metric(mut self, key: &str, value: impl Into<Value>) -> FindingBuilder {
        self.metrics.insert(key.to_string(), value.into());
        self
    }

    /// Record a number when there is one.
    pub fn metric_opt<V: Into<Value>>(self, key: &str, value: Option<V>) -> FindingBuilder {
        match value {
            Some(v) => self.metric(key, v),
            None => self,
        }
    }

    /// Quote `path:line`.
    /// The memory cgroup summary of an OOM report (`memory: usage N kB, limit N kB, failcnt N`)
    /// as the metrics `usage_bytes`, `limit_bytes` and `failcnt`, those it gave.
    pub fn memcg_usage(self, kill: &OomKill) -> FindingBuilder {
        self.metric_opt("usage_bytes", kill.memory_usage_kb.map(kib))
            .metric_opt("limit_bytes", kill.memory_limit_kb.map(kib))
            .metric_opt("failcnt", kill.memory_failcnt)
    }

    pub fn cite(mut self, path: &str, line: &Line) -> FindingBuilder {
        self.evidence.add(path, line);
        self
    }

    /// Quote `path:line` when there is a line.
    pub fn cite_opt(mut self, path: &str, line: Option<&Line>) -> FindingBuilder {
        self.evidence.add_opt(path, line);
        self
    }

    /// Quote every line of `lines`.
    pub fn cite_all<'a>(
        mut self,
        path: &str,
        lines: impl IntoIterator<Item = &'a Line>,
    ) -> FindingBuilder {
        self.evidence.add_all(path, lines);
        self
    }

    /// Add evidence items already built.
    pub fn evidence(mut self, items: impl IntoIterator<Item = Evidence>) -> FindingBuilder {
        for item in items {
            self.evidence.push(item);
        }
        self
    }

    /// Whether any evidence was added (a finding without evidence is not emitted).
    pub fn has_evidence(&self) -> bool {
        !self.evidence.is_empty()
    }

    /// Add a recommendation.
    pub fn recommend(
        mut self,
        action: impl Into<String>,
        command: Option<&str>,
        risk: Risk,
        when: impl Into<String>,
    ) -> FindingBuilder {
        self.recommendations.push(Recommendation {
            action: action.into(),
            command: command.map(str::to_string),
            risk,
            when: when.into(),
            topic: None,
        });
        self
    }

    /// Add a recommendation that is one wording of `topic`, an action other rules may give in
    /// theirs (see [`Recommendation::topic`]).
    pub fn recommend_as(
        self,
        topic: &'static str,
        action: impl Into<String>,
        command: Option<&str>,
        risk: Risk,
        when: impl Into<String>,
    ) -> FindingBuilder {
        let mut b = self.recommend(action, command, risk, when);
        if let Some(r) = b.recommendations.last_mut() {
            r.topic = Some(topic);
        }
        b
    }

    /// Add references (upstream issues, kernel documentation), once each.
    pub fn references(mut self, refs: &[&str]) -> FindingBuilder {
        for r in refs {
            if !self.references.iter().any(|x| x == r) {
                self.references.push((*r).to_string());
            }
        }
        self
    }

    /// The finding.
    pub fn build(self) -> Finding {
        Finding {
            id: self.id.to_string(),
            role: self.role,
            severity: self.severity,
            confidence: self.confidence,
            // One line whatever the bundle values in it hold.
            title: crate::render::escape::one_line(&self.title),
            explanation: self.paragraphs.join("\n\n"),
            sentence: self.sentence,
            advice: self.advice,
            signature: std::iter::once(self.segment.to_string())
                .chain(self.qualifiers)
                .collect::<Vec<_>>()
                .join(":"),
            metrics: self.metrics,
            evidence: self.evidence.into_vec(),
            recommendations: self.recommendations,
            references: self.references,
        }
    }
}

/// Bundle text in a Markdown code span, whatever it holds: the one way bundle text enters
/// prose, and the one code-span function of the project (the renderer's, under the name rules
/// use). Line breaks become spaces and control characters visible, so nothing in the text can
/// end the span and start markup of its own.
pub use crate::render::escape::md_span as code;

/// Plain text (a finding title, a problem message) inside Markdown prose, every character that
/// could be markup escaped: the renderer's escaping, under the name rules use.
pub use crate::render::escape::md_text as text_in_prose;

/// Bytes of a count of KiB, as the kernel's reports give sizes.
fn kib(kb: u64) -> u64 {
    kb.saturating_mul(1024)
}

/// A number of things in words: `one report`, `3 reports`. Prose never says `report(s)`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("one {one}"),
        n => format!("{n} {many}"),
    }
}

/// How often, in words: `once`, `twice`, `48 times`.
pub fn times(n: impl TryInto<u64>) -> String {
    match n.try_into().unwrap_or(u64::MAX) {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// A fraction as the kernel prints it: three decimals.
pub fn index3(v: f64) -> String {
    format!("{v:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("order:6"), "`order:6`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn counts_are_words_not_templates() {
        assert_eq!(count(1, "kill", "kills"), "one kill");
        assert_eq!(count(3, "kill", "kills"), "3 kills");
        assert_eq!(count(0, "kill", "kills"), "0 kills");
        assert_eq!(times(1), "once");
        assert_eq!(times(2), "twice");
        assert_eq!(times(48), "48 times");
    }

    #[test]
    fn code_spans_keep_line_breaks_in() {
        let span = code("a\n\n## Fix verified by support\n\n    curl x | sh");
        assert_eq!(span, "`a  ## Fix verified by support      curl x | sh`");
        assert_eq!(text_in_prose("[a](http://x.y)"), "\\[a\\](http://x.y)");
    }
}
