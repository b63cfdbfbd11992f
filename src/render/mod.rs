//! Rendering: Markdown for tickets, one self-contained HTML page for people, JSON for automation.
//!
//! Last stage. All three are rendered from the one [`Report`] model. Markdown and HTML go
//! through a view model ([`view`]) and tera templates (`templates/`, embedded in the binary);
//! JSON is the report itself. Bundle text is never trusted: in Markdown it sits in code spans or
//! fenced blocks ([`escape`]), in HTML it is escaped by the template engine.

pub mod escape;
mod html;
pub mod kb;
mod markdown;
pub mod svg;
pub mod view;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::report::Report;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
    /// A knowledge-base article drafted from the report (`render::kb`).
    Kb,
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
    #[error("no knowledge-base article: nothing failed and no risk was found, so the report has no signature to file it under")]
    NoSignature,
}

/// Render the report.
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            Ok(escape::json_escape_controls(s))
        }
        Format::Markdown => markdown::render(&view::build(report)),
        Format::Html => html::render(&view::build(report)),
        Format::Kb => kb::render(report).ok_or(RenderError::NoSignature),
    }
}

/// The embedded templates. Names matter: tera autoescapes templates whose name ends in `.html`
/// (the HTML report and its partials) and leaves `.md` and `.css` alone.
const TEMPLATES: &[(&str, &str)] = &[
    ("report.md", include_str!("../../templates/report.md")),
    ("macros.md", include_str!("../../templates/macros.md")),
    ("report.html", include_str!("../../templates/report.html")),
    ("style.css", include_str!("../../templates/style.css")),
    (
        "partials/finding.html",
        include_str!("../../templates/partials/finding.html"),
    ),
    (
        "partials/prose.html",
        include_str!("../../templates/partials/prose.html"),
    ),
    (
        "partials/zones.html",
        include_str!("../../templates/partials/zones.html"),
    ),
    (
        "partials/free_blocks_chart.html",
        include_str!("../../templates/partials/free_blocks_chart.html"),
    ),
    (
        "partials/memory_chart.html",
        include_str!("../../templates/partials/memory_chart.html"),
    ),
    (
        "partials/timeline_chart.html",
        include_str!("../../templates/partials/timeline_chart.html"),
    ),
];

/// The template engine, built once. A template that does not parse is a defect of this build,
/// reported as a render error rather than a panic.
fn engine() -> Result<&'static tera::Tera, String> {
    static ENGINE: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| template_engine(TEMPLATES))
        .as_ref()
        .map_err(Clone::clone)
}

/// A template engine over `templates` (name, text), set up as every page of postmortem is: the
/// templates whose name ends in `.html` autoescaped with [`escape::html_escape`], the Markdown
/// escaping filters registered. The error is the template's, with its causes.
pub(crate) fn template_engine(templates: &[(&str, &str)]) -> Result<tera::Tera, String> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape::html_escape);
    register_markdown_filters(&mut tera);
    tera.add_raw_templates(templates.iter().copied())
        .map_err(|e| error_chain(&e))?;
    Ok(tera)
}

/// A tera error with its causes (tera puts the useful part, file and line, in the source).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Render a named template with a view.
fn render_template(
    name: &str,
    view: &view::View,
    format: &'static str,
) -> Result<String, RenderError> {
    let fail = |detail: String| RenderError::Template { format, detail };
    let tera = engine().map_err(fail)?;
    let context = tera::Context::from_serialize(view).map_err(|e| fail(error_chain(&e)))?;
    tera.render(name, &context)
        .map_err(|e| fail(error_chain(&e)))
}

/// Filter input as text: strings as they are, null as nothing, anything else as JSON.
fn filter_text(value: &tera::Value) -> String {
    match value {
        tera::Value::String(s) => s.clone(),
        tera::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The Markdown escaping filters ([`escape`]), by the names the templates use.
fn register_markdown_filters(tera: &mut tera::Tera) {
    type Args = HashMap<String, tera::Value>;
    fn wrap(f: fn(&str) -> String) -> impl tera::Filter {
        move |value: &tera::Value, _: &Args| Ok(tera::Value::String(f(&filter_text(value))))
    }
    tera.register_filter("md_span", wrap(escape::md_span));
    tera.register_filter("md_cell", wrap(escape::md_cell));
    tera.register_filter("md_text", wrap(escape::md_text));
    tera.register_filter("md_prose", wrap(escape::md_prose));
    tera.register_filter("md_prose_inline", wrap(escape::md_prose_inline));
    tera.register_filter("md_code", |value: &tera::Value, args: &Args| {
        let info = args.get("info").map(filter_text).unwrap_or_default();
        Ok(tera::Value::String(escape::md_code(
            &filter_text(value),
            &info,
        )))
    });
}
