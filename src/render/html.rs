//! The HTML report: one self-contained page from `templates/report.html`, its partials and
//! `templates/style.css`, over the view model. Autoescaped by tera (the names end in `.html`);
//! the only unescaped values are the explanations postmortem wrote, already rendered to HTML
//! that cannot carry markup ([`super::escape::markdown_to_safe_html`]).

use super::view::View;
use super::RenderError;

pub(super) fn render(view: &View) -> Result<String, RenderError> {
    super::render_template("report.html", view, "HTML")
}
