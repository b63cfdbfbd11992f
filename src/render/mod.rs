//! Rendering: Markdown for tickets, one self-contained HTML page for people, JSON for automation.
//!
//! Last stage. All three are rendered from the one [`Report`] model. Bundle text is never
//! trusted: in Markdown it sits in code spans or fenced blocks, in HTML it is escaped.

use crate::report::Report;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

impl Format {
    /// The format an output file's extension asks for.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering the {format} report failed: {detail}")]
    Template {
        format: &'static str,
        detail: String,
    },
    #[error("serialising the JSON report failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// Render the report.
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            Ok(s)
        }
        Format::Markdown | Format::Html => Err(RenderError::Template {
            format: if format == Format::Html {
                "HTML"
            } else {
                "Markdown"
            },
            detail: "not available in this build".into(),
        }),
    }
}
