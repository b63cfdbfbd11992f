//! The Markdown report (CommonMark with GFM tables): `templates/report.md` over the view model,
//! then blank lines tidied so blocks are separated by exactly one.

use super::view::View;
use super::RenderError;

pub(super) fn render(view: &View) -> Result<String, RenderError> {
    let raw = super::render_template("report.md", view, "Markdown")?;
    Ok(tidy(&raw))
}

/// Collapse runs of blank lines to one and drop trailing spaces (which Markdown reads as hard
/// breaks), outside fenced code blocks, whose content stays byte for byte. The fences are the
/// ones [`super::escape::md_code`] writes: a run of three or more backticks opens, and a line of
/// at least as many backticks closes.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<usize> = None;
    let mut blank_run = 0;
    for line in markdown.lines() {
        if let Some(len) = fence {
            out.push_str(line);
            out.push('\n');
            let ticks = line.chars().take_while(|&c| c == '`').count();
            if ticks >= len && line[ticks..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if blank_run > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank_run = 0;
        let ticks = line.chars().take_while(|&c| c == '`').count();
        // An info string with a backtick makes it a code span, not a fence (CommonMark 4.5).
        if ticks >= 3 && !line[ticks..].contains('`') {
            fence = Some(ticks);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn tidy_keeps_fences_whole() {
        let text = "# A\n\n\n\ntext  \n````text\nx  \n\n\n```\n````\n\n\nend\n";
        assert_eq!(
            tidy(text),
            "# A\n\ntext\n````text\nx  \n\n\n```\n````\n\nend\n"
        );
    }
}
