//! Whole-report tests: snapshots of the seed incident, injection attempts, determinism.

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::fixture::{hostile, seed, HOSTILE};
use super::{render, Format};

fn markdown(report: &crate::report::Report) -> String {
    render(report, Format::Markdown).expect("markdown renders")
}

fn html(report: &crate::report::Report) -> String {
    render(report, Format::Html).expect("html renders")
}

#[test]
fn seed_markdown_snapshot() {
    insta::assert_snapshot!("seed_markdown", markdown(&seed()));
}

#[test]
fn seed_html_snapshot() {
    insta::assert_snapshot!("seed_html", html(&seed()));
}

#[test]
fn hostile_markdown_snapshot() {
    insta::assert_snapshot!("hostile_markdown", markdown(&hostile()));
}

#[test]
fn hostile_html_snapshot() {
    insta::assert_snapshot!("hostile_html", html(&hostile()));
}

#[test]
fn markdown_answers_the_ticket_first() {
    let md = markdown(&seed());
    let head: Vec<&str> = md.lines().take(12).collect();
    assert_eq!(head[0], "# Postmortem: `beta_004`");
    assert!(head[2]
        .starts_with("**The container could not start because the kernel could not find 256 KiB"));
    assert!(head.contains(&"- **Severity:** critical"));
    assert!(head.contains(&"- **Host:** `beta_004`, kernel `3.10.0-514.26.2.el7.x86_64`"));
    assert!(head.iter().any(|l| l.starts_with(
        "- **When:** 2018-01-23 12:10:18 UTC (clock: date and /proc/uptime taken together, ±1 s)"
    )));
    // The three actions: lowest risk first, closest to the symptom first among equals.
    let actions: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "**What to do first:**")
        .skip(2)
        .take(3)
        .collect();
    assert!(
        actions[0].starts_with("1. Start the container again"),
        "{actions:?}"
    );
    assert!(
        actions[1].starts_with("2. Compact memory now"),
        "{actions:?}"
    );
    assert!(
        actions[2].starts_with("3. Drop clean caches"),
        "{actions:?}"
    );
}

#[test]
fn markdown_zone_table_marks_the_requested_order() {
    let md = markdown(&seed());
    let header = md
        .lines()
        .find(|l| l.starts_with("| Zone |") && l.contains("Free |"))
        .expect("zone table");
    assert!(header.contains("| **o6 (requested)** |"), "{header}");
    let normal = md
        .lines()
        .find(|l| l.starts_with("| Node 0 `Normal` | 15952 | 2235 | 859 | 17 | 0 | 0 | **0** |"))
        .expect("Normal row with the failure's free lists");
    assert!(
        normal.contains("| 93 MiB | 54.2 MiB | 67.8 MiB | 81.4 MiB | no |"),
        "{normal}"
    );
    assert!(md.contains("| Node 0 `Normal` | -1 | -1 | -1 | -1 | 0.922 | 0.961 | **0.981** |"));
}

/// Every event of a Markdown document, as pulldown-cmark (CommonMark + GFM tables) sees it.
fn md_events(md: &str) -> Vec<Event<'_>> {
    Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).collect()
}

#[test]
fn hostile_markdown_has_no_markup_from_the_bundle() {
    let md = markdown(&hostile());
    for event in md_events(&md) {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML in Markdown: {h:?}"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                assert!(
                    dest_url.starts_with("https://") || dest_url.starts_with('#'),
                    "link to {dest_url}"
                );
            }
            Event::Start(Tag::Image { .. }) => panic!("image in Markdown"),
            // Text outside code may hold the hostile strings only as escaped, inert text.
            Event::Text(t) => {
                assert!(!t.contains('\u{1b}'), "ESC in text: {t:?}");
            }
            Event::Code(c) => assert!(!c.contains('\u{1b}'), "ESC in code: {c:?}"),
            _ => {}
        }
    }
    assert!(!md.contains('\u{1b}'));
    // Every hostile string survives verbatim somewhere inside code (span or fence), line breaks
    // aside: bundle text is shown, not dropped.
    let code: String = md_events(&md)
        .into_iter()
        .filter_map(|e| match e {
            Event::Code(c) => Some(format!("{c}\n")),
            Event::Text(t) => Some(t.to_string()),
            _ => None,
        })
        .collect();
    for s in HOSTILE {
        let shown = crate::render::escape::visible(s).replace('\n', " ");
        assert!(
            code.contains(&shown) || code.contains(&crate::render::escape::visible(s)),
            "{s:?} not shown"
        );
    }
}

#[test]
fn markdown_tables_keep_their_columns() {
    for report in [seed(), hostile()] {
        let md = markdown(&report);
        assert_table_rows_complete(&md);
        // Timeline, zones and fragmentation index twice, memory, slab, containers, sources.
        let tables = md_events(&md)
            .iter()
            .filter(|e| matches!(e, Event::Start(Tag::Table(_))))
            .count();
        assert_eq!(tables, 9);
    }
}

/// Every GFM table row has as many cells as its header. Counted on the text, the way GFM
/// splits rows (on every pipe not preceded by a backslash, code spans included), because a
/// parser pads or drops cells and would hide a row that a stray `|` split.
fn assert_table_rows_complete(md: &str) {
    let pipes = |line: &str| {
        let mut count = 0;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '|' && prev != '\\' {
                count += 1;
            }
            prev = c;
        }
        count
    };
    let mut header: Option<usize> = None;
    let mut tables = 0;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => {
                header = Some(pipes(line));
                tables += 1;
            }
            Some(n) => assert_eq!(pipes(line), n, "row splits differently: {line}"),
        }
    }
    assert!(tables > 0, "no table");
}

/// Text outside tags, comments and the style element: what a browser shows.
fn strip_markup(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn hostile_html_is_inert() {
    let page = html(&hostile());
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script element");
    assert!(!lower.contains("<img"), "img element");
    assert!(!lower.contains("javascript:alert(1)\""), "javascript link");
    assert!(!lower.contains("href=\"javascript:"), "javascript href");
    assert!(!lower.contains("<b>"), "bundle markup");
    assert!(!page.contains('\u{1b}'), "ESC byte");
    // onerror= may only appear as escaped text, never inside a tag.
    let mut rest = lower.as_str();
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
        let tag = &rest[start..end];
        assert!(!tag.contains("onerror"), "event handler in tag {tag}");
        assert!(!tag.contains(" on") || !tag.contains('='), "{tag}");
        rest = &rest[end..];
    }
    // The hostile strings are shown, escaped.
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(strip_markup(&page).contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn html_is_self_contained() {
    let page = html(&seed());
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
    for needle in [
        "<script", "<link", "@import", "url(", "src=", "<iframe", "<object",
    ] {
        assert!(!page.contains(needle), "{needle}");
    }
    // Every href is an in-page anchor or an https reference the reader may follow.
    for (i, _) in page.match_indices("href=\"") {
        let dest = &page[i + 6..];
        assert!(
            dest.starts_with('#') || dest.starts_with("https://"),
            "{}",
            &dest[..dest.len().min(40)]
        );
    }
}

#[test]
fn html_has_anchors_charts_and_text_equivalents() {
    let page = html(&seed());
    assert!(page.contains("id=\"mm.external-fragmentation\""));
    assert!(page.contains("href=\"#mm.external-fragmentation\""));
    assert_eq!(
        page.matches("<svg ").count(),
        4,
        "two free-block charts, memory, timeline"
    );
    assert_eq!(
        page.matches("<svg ").count(),
        page.matches("</svg>").count()
    );
    for id in ["fb-failure-t", "fb-collection-t", "mem-t", "tl-t"] {
        assert!(page.contains(&format!("aria-labelledby=\"{id}\"")), "{id}");
        assert!(page.contains(&format!("<title id=\"{id}\">")), "{id}");
    }
    assert!(page.contains("requested order 6"));
    assert!(page.contains("@media (prefers-color-scheme: dark)"));
    assert!(page.contains("@media print"));
    assert!(page.contains("position: sticky"));
}

/// The elements the page opens must all be closed, in order (void elements aside).
#[test]
fn html_tags_are_balanced() {
    for report in [seed(), hostile()] {
        let page = html(&report);
        let body = page
            .split_once("</head>")
            .map(|(_, b)| b)
            .expect("head element");
        let void = [
            "meta", "br", "line", "rect", "circle", "hr", "img", "input", "link",
        ];
        let mut stack: Vec<String> = vec!["html".to_string()];
        let mut rest = body;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("tag closes") + start;
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            let self_closing = tag.ends_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.is_empty() {
                continue;
            }
            if tag.starts_with('/') {
                let open = stack.pop();
                assert_eq!(open.as_deref(), Some(name.as_str()), "closing {name}");
            } else if !self_closing && !void.contains(&name.as_str()) {
                stack.push(name);
            } else if self_closing || void.contains(&name.as_str()) {
                // rect and circle may also hold a <title>: accept both forms.
                if !self_closing && (name == "rect" || name == "circle") {
                    stack.push(name);
                }
            }
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
    }
}

#[test]
fn rendering_is_deterministic() {
    for report in [seed(), hostile()] {
        assert_eq!(markdown(&report), markdown(&report));
        assert_eq!(html(&report), html(&report));
    }
}

#[test]
fn generation_time_is_shown_only_when_stamped() {
    let mut report = seed();
    assert!(!markdown(&report).contains("Generated by postmortem 0.1.0 at"));
    report.generator.generated_at = Some("2026-11-27T18:00:00Z".parse().unwrap());
    assert!(markdown(&report).contains("Generated by postmortem 0.1.0 at 2026-11-27 18:00:00 UTC"));
    assert!(html(&report).contains("Generated by postmortem 0.1.0 at 2026-11-27 18:00:00 UTC"));
}

#[test]
fn chain_without_summary_comes_before_other_findings() {
    let mut report = seed();
    if let Some(rc) = &mut report.root_cause {
        rc.summary.clear();
    }
    let md = markdown(&report);
    let root = md.find("## Root cause").expect("root cause");
    let step = md.find("### 1. Container web failed").expect("first step");
    let others = md.find("## Other findings").expect("other findings");
    assert!(root < step && step < others);
    // The verdict falls back to the verdict finding's title.
    assert!(md.contains(
        "**Memory was fragmented: plenty free, but no block of 256 KiB or more in zone Normal**"
    ));
    report.root_cause = None;
    let md = markdown(&report);
    assert!(!md.contains("## Root cause"));
    assert!(md.contains("\n## Findings\n"));
}

#[test]
fn unusable_index_gets_its_own_table() {
    let mut report = seed();
    for z in &mut report.details.zones {
        if z.zone == "Normal" && z.moment == "collection" {
            z.unusable_index = vec![
                0.0, 0.092, 0.331, 0.394, 0.419, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            ];
        }
    }
    let md = markdown(&report);
    assert!(md.contains("Unusable free index per order"));
    assert!(md.contains(
        "| Node 0 `Normal` | 0.000 | 0.092 | 0.331 | 0.394 | 0.419 | 1.000 | **1.000** |"
    ));
    let page = html(&report);
    assert!(page.contains("<caption>Unusable free index per order"));
    assert!(!markdown(&seed()).contains("Unusable free index"));
}

#[test]
fn odd_values_render() {
    let mut report = seed();
    report.details.requested_order = Some(40);
    if let Some(z) = report.details.zones.first_mut() {
        z.free_blocks = vec![u64::MAX; 3];
        z.extfrag_index = vec![f64::NAN, f64::INFINITY, -0.5];
        z.free_kb = Some(u64::MAX);
    }
    if let Some(m) = &mut report.details.memory {
        m.anon_bytes = u64::MAX;
        m.free_bytes = u64::MAX;
    }
    report.timeline[0].time = Some(jiff::Timestamp::MIN);
    report.timeline[1].uptime_s = Some(f64::NAN);
    report.timeline[1].time = None;
    report.bundle.clock.uncertainty_s = Some(f64::INFINITY);
    report.details.containers[0].memory_limit_bytes = Some(i64::MIN);
    let md = markdown(&report);
    assert!(md.contains("| Node 0 `DMA` | 18446744073709551615 | 18446744073709551615 |"));
    // The earliest time there is, in a table cell where its leading `-` is escaped.
    assert!(md.contains("| \\-9999-01-02 01:59:59 UTC |"), "{md}");
    let page = html(&report);
    assert!(page.contains("16384 PiB"));
}

#[test]
fn empty_report_renders() {
    let mut report = seed();
    report.findings.clear();
    report.root_cause = None;
    report.timeline.clear();
    report.details = crate::report::Details::default();
    report.sources.clear();
    report.bundle.hostname = None;
    let md = markdown(&report);
    assert!(md.starts_with("# Postmortem: `sosreport-beta_004-2018-01-23.tar.xz`\n"));
    assert!(md.contains("**No failure found in this bundle.**"));
    let page = html(&report);
    assert!(page.contains("No failure found in this bundle."));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever a bundle holds, the Markdown has no HTML and no foreign link, and the HTML has
    /// no element the bundle put there.
    #[test]
    fn any_bundle_text_stays_text(text in "\\PC*|[`|<>\\[\\]()\n\r\u{1b}a-z:=/\"' ]*") {
        let mut report = seed();
        report.bundle.hostname = Some(text.clone());
        for f in &mut report.findings {
            for e in &mut f.evidence {
                e.text = text.clone();
            }
            f.title = text.clone();
        }
        report.timeline[0].text = text.clone();
        report.details.slab_top[0].name = text.clone();
        report.details.containers[0].name = text.clone();
        report.details.gaps.push(text.clone());
        let md = markdown(&report);
        for event in md_events(&md) {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => {
                    proptest::prop_assert!(false, "raw HTML {h:?}");
                }
                Event::Start(Tag::Link { dest_url, .. }) => proptest::prop_assert!(
                    dest_url.starts_with("https://") || dest_url.starts_with('#'),
                    "link to {dest_url}"
                ),
                Event::Start(Tag::Image { .. }) => proptest::prop_assert!(false, "image"),
                _ => {}
            }
        }
        let page = html(&report);
        let lower = page.to_ascii_lowercase();
        proptest::prop_assert!(!lower.contains("<script"));
        proptest::prop_assert!(!lower.contains("<img"));
        proptest::prop_assert!(!lower.contains("href=\"javascript"));
    }
}

#[test]
fn table_check_sees_a_split_cell() {
    let broken = "| a | b |\n|---|---|\n| `x|y` | z |\n";
    let result = std::panic::catch_unwind(|| assert_table_rows_complete(broken));
    assert!(result.is_err());
}
