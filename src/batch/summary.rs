//! The fleet summary: one row per bundle, written as `summary.json`, `summary.csv` (RFC 4180)
//! and `index.html` (self-contained, no script, grouped by verdict).
//!
//! Rows are built from a report's JSON form only ([`row_from_report`]), which is what makes
//! `batch` and `summarize` agree byte for byte.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::BatchError;
use crate::render;

/// One bundle of the fleet. Field names and meanings are stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// The bundle's file or folder name.
    pub bundle: String,
    /// The bundle's path as given to `batch`, when known.
    pub path: Option<String>,
    /// Whether the bundle was read and analysed.
    pub ok: bool,
    /// Why it was not.
    pub error: Option<String>,
    pub host: Option<String>,
    pub kernel: Option<String>,
    pub collected_at: Option<jiff::Timestamp>,
    /// The root cause's finding id, else the most severe finding's id.
    pub verdict: Option<String>,
    /// The highest severity among the findings: `critical`, `warning`, `info` or `none`.
    pub severity: String,
    /// Finding ids in report order.
    pub findings: Vec<String>,
    /// The largest order with a free block in the zone the failure is about (Normal when there is
    /// one), at the failure when the report has its free lists, else at collection.
    pub largest_free_order: Option<u32>,
    /// The fragmentation index of that zone at the failed request's order.
    pub extfrag_at_failed_order: Option<f64>,
    /// Reports, relative to the summary's folder when they are in it.
    pub report_html: Option<String>,
    pub report_json: Option<String>,
    /// The incident signature (`docs/signatures.md`), and its family.
    pub signature: Option<String>,
    pub signature_family: Option<String>,
    /// The knowledge-base article the report names as its known issue (`--kb DIR`): its file
    /// and title.
    pub known_issue: Option<String>,
    pub known_issue_title: Option<String>,
    /// The report's risks, each with its margin.
    pub risks: Vec<RiskEntry>,
}

/// A risk finding of a report, for the fleet risk table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskEntry {
    pub id: String,
    /// The finding's title: what is exposed, with the numbers.
    pub title: String,
    /// The share of the limit left, 0 to 1 (`metrics.headroom`).
    pub headroom: Option<f64>,
}

/// The row of a bundle that could not be read.
pub fn unreadable_row(bundle: &str, path: Option<&str>, error: &str) -> SummaryRow {
    SummaryRow {
        bundle: bundle.to_string(),
        path: path.map(str::to_string),
        ok: false,
        error: Some(error.to_string()),
        host: None,
        kernel: None,
        collected_at: None,
        verdict: None,
        severity: "none".into(),
        findings: Vec::new(),
        largest_free_order: None,
        extfrag_at_failed_order: None,
        report_html: None,
        report_json: None,
        signature: None,
        signature_family: None,
        known_issue: None,
        known_issue_title: None,
        risks: Vec::new(),
    }
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 3,
        "warning" => 2,
        "info" => 1,
        _ => 0,
    }
}

/// The row of a report, from its JSON form.
pub fn row_from_report(
    report: &Value,
    report_html: Option<String>,
    report_json: Option<String>,
) -> SummaryRow {
    let findings: Vec<&Value> = report
        .get("findings")
        .and_then(Value::as_array)
        .map(|f| f.iter().collect())
        .unwrap_or_default();
    let severity = findings
        .iter()
        .filter_map(|f| f.get("severity").and_then(Value::as_str))
        .max_by_key(|s| severity_rank(s))
        .unwrap_or("none")
        .to_string();
    let top = findings
        .iter()
        .filter(|f| f.get("severity").and_then(Value::as_str) == Some(severity.as_str()))
        .find_map(|f| text(f, "/id"));
    let verdict = text(report, "/root_cause/verdict").or(top);
    let (largest_free_order, extfrag_at_failed_order) = zone_figures(report);
    SummaryRow {
        bundle: text(report, "/bundle/name").unwrap_or_default(),
        path: text(report, "/bundle/path"),
        ok: true,
        error: None,
        host: text(report, "/bundle/hostname"),
        kernel: text(report, "/bundle/kernel"),
        // The report read is input: its time is read once, here.
        collected_at: text(report, "/bundle/collected_at").and_then(|t| t.parse().ok()),
        verdict,
        severity,
        findings: findings.iter().filter_map(|f| text(f, "/id")).collect(),
        largest_free_order,
        extfrag_at_failed_order,
        report_html,
        report_json,
        signature: text(report, "/signature/key"),
        signature_family: text(report, "/signature/family"),
        // A node heading for an issue (matched by family) is not one of its occurrences.
        known_issue: occurred(report).and_then(|_| text(report, "/known_issue/file")),
        known_issue_title: occurred(report).and_then(|_| text(report, "/known_issue/title")),
        risks: findings
            .iter()
            .filter(|f| f.get("role").and_then(Value::as_str) == Some("risk"))
            .filter_map(|f| {
                Some(RiskEntry {
                    id: text(f, "/id")?,
                    title: text(f, "/title").unwrap_or_default(),
                    headroom: f.pointer("/metrics/headroom").and_then(Value::as_f64),
                })
            })
            .collect(),
    }
}

/// Whether the report's known issue happened on the node (not only its family's risks).
fn occurred(report: &Value) -> Option<()> {
    (text(report, "/known_issue/matched").as_deref() != Some("family")).then_some(())
}

/// Largest free order and fragmentation index at the failed order, from `details.zones`.
fn zone_figures(report: &Value) -> (Option<u32>, Option<f64>) {
    let zones: Vec<&Value> = report
        .pointer("/details/zones")
        .and_then(Value::as_array)
        .map(|z| z.iter().collect())
        .unwrap_or_default();
    let at = |moment: &str| -> Vec<&Value> {
        zones
            .iter()
            .copied()
            .filter(|z| {
                (z.get("moment").and_then(Value::as_str) == Some("failure"))
                    == (moment == "failure")
            })
            .collect()
    };
    let mut chosen = at("failure");
    if chosen.is_empty() {
        chosen = at("collection");
    }
    let name = |z: &Value| {
        z.get("zone")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let zone = chosen
        .iter()
        .copied()
        .find(|z| name(z) == "Normal")
        .or_else(|| chosen.iter().copied().rfind(|z| name(z) != "DMA"))
        .or_else(|| chosen.last().copied());
    let Some(zone) = zone else {
        return (None, None);
    };
    let counts: Vec<u64> = zone
        .get("free_blocks")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let largest = counts
        .iter()
        .rposition(|&c| c > 0)
        .and_then(|o| u32::try_from(o).ok());
    let index = report
        .pointer("/details/requested_order")
        .and_then(Value::as_u64)
        .and_then(|order| {
            zone.get("extfrag_index")
                .and_then(Value::as_array)?
                .get(usize::try_from(order).ok()?)?
                .as_f64()
        });
    (largest, index)
}

/// Rows in summary order: most severe first, then by host (the bundle name when the host is
/// unknown), then bundle and path; unreadable bundles last.
pub fn sort_rows(rows: &mut [SummaryRow]) {
    rows.sort_by(|a, b| {
        let key = |r: &SummaryRow| {
            (
                !r.ok,
                std::cmp::Reverse(severity_rank(&r.severity)),
                r.host.clone().unwrap_or_else(|| r.bundle.clone()),
                r.bundle.clone(),
                r.path.clone(),
                r.report_json.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// Write `summary.json`, `summary.csv` and `index.html` into `dir`; rows are sorted first.
pub fn write_summary(dir: &Path, rows: &mut [SummaryRow]) -> Result<(), BatchError> {
    sort_rows(rows);
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        crate::output::write_atomic(&path, bytes).map_err(|source| BatchError::Write {
            path: path.display().to_string(),
            source,
        })
    };
    let mut json = serde_json::to_string_pretty(&rows)?;
    json.push('\n');
    write("summary.json", json.as_bytes())?;
    write("summary.csv", to_csv(rows).as_bytes())?;
    write("index.html", to_html(rows)?.as_bytes())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

const CSV_FIELDS: &[&str] = &[
    "bundle",
    "path",
    "ok",
    "error",
    "host",
    "kernel",
    "collected_at",
    "verdict",
    "severity",
    "findings",
    "largest_free_order",
    "extfrag_at_failed_order",
    "report_html",
    "report_json",
    "signature",
    "known_issue",
    "risks",
];

/// A CSV field as RFC 4180 wants it: quoted when it holds a comma, a quote or a line break,
/// quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Bundle text as a CSV field that a spreadsheet will not run as a formula: a leading `=`,
/// `+`, `-`, `@`, tab or carriage return gets a `'` before it.
fn csv_text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{value}"))
    } else {
        csv_field(value)
    }
}

/// The summary as CSV: a header line, then one line per row, CRLF line ends.
pub fn to_csv(rows: &[SummaryRow]) -> String {
    let mut out = CSV_FIELDS.join(",");
    out.push_str("\r\n");
    for r in rows {
        let opt = |v: &Option<String>| v.as_deref().map(csv_text).unwrap_or_default();
        let fields = [
            csv_text(&r.bundle),
            opt(&r.path),
            r.ok.to_string(),
            opt(&r.error),
            opt(&r.host),
            opt(&r.kernel),
            opt(&r.collected_at.map(crate::report::rfc3339)),
            opt(&r.verdict),
            // `summarize` takes it from reports made elsewhere: text like any other.
            csv_text(&r.severity),
            csv_text(&r.findings.join(" ")),
            r.largest_free_order
                .map(|o| o.to_string())
                .unwrap_or_default(),
            r.extfrag_at_failed_order
                .map(|v| format!("{v:.3}"))
                .unwrap_or_default(),
            opt(&r.report_html),
            opt(&r.report_json),
            opt(&r.signature),
            opt(&r.known_issue),
            // `id:headroom` per risk, as `summarize` read them.
            csv_text(
                &r.risks
                    .iter()
                    .map(|k| match k.headroom {
                        Some(h) => format!("{}:{h:.3}", k.id),
                        None => k.id.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct SummaryView<'a> {
    generator: String,
    total: usize,
    readable: usize,
    unreadable: usize,
    counts: Vec<(String, usize)>,
    groups: Vec<GroupView<'a>>,
    /// Bundles per signature, most first.
    signatures: Vec<SignatureCount>,
    /// Bundles per knowledge-base article, most first.
    known_issues: Vec<KnownIssueCount>,
    /// Every risk of every node, worst margin first.
    risks: Vec<RiskView<'a>>,
}

#[derive(Debug, Serialize)]
struct SignatureCount {
    signature: String,
    /// The signature's segments and the family's, which the page may break a line between.
    segments: Vec<String>,
    family: Vec<String>,
    count: usize,
    /// The verdicts of its rows, once each.
    verdicts: Vec<String>,
}

#[derive(Debug, Serialize)]
struct KnownIssueCount {
    file: String,
    title: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct RiskView<'a> {
    host: String,
    bundle: &'a str,
    risk: &'a RiskEntry,
    headroom: String,
    html_href: Option<String>,
}

#[derive(Debug, Serialize)]
struct GroupView<'a> {
    /// Element id.
    anchor: String,
    /// The verdict id, or empty for the groups without one.
    verdict: String,
    title: String,
    severity: String,
    unreadable: bool,
    rows: Vec<RowView<'a>>,
}

#[derive(Debug, Serialize)]
struct RowView<'a> {
    row: &'a SummaryRow,
    host: String,
    extfrag: String,
    largest: String,
    collected: String,
    html_href: Option<String>,
    json_href: Option<String>,
    /// The signature's segments, which the page may break a line between.
    signature: Vec<&'a str>,
}

/// A link to a report file: a path that could read as a URL scheme (`javascript:x.html`) gets
/// `./` before it.
fn href(path: &str) -> String {
    match (path.find(':'), path.find('/')) {
        (Some(colon), slash) if slash.is_none_or(|s| colon < s) => format!("./{path}"),
        _ => path.to_string(),
    }
}

/// Groups by verdict in row order: a group's place is that of its first (most severe) row.
fn groups(rows: &[SummaryRow]) -> Vec<GroupView<'_>> {
    let mut out: Vec<GroupView<'_>> = Vec::new();
    for row in rows {
        let (key, title) = if !row.ok {
            ("unreadable".to_string(), "Could not be read".to_string())
        } else if let Some(v) = &row.verdict {
            let title = crate::analyze::rule(v)
                .map(|r| r.summary().to_string())
                .unwrap_or_default();
            (v.clone(), title)
        } else {
            (
                "none".to_string(),
                "No known failure pattern found".to_string(),
            )
        };
        let view = RowView {
            row,
            host: row.host.clone().unwrap_or_default(),
            extfrag: row
                .extfrag_at_failed_order
                .map(|v| format!("{v:.3}"))
                .unwrap_or_default(),
            largest: row
                .largest_free_order
                .map(|o| o.to_string())
                .unwrap_or_default(),
            collected: row
                .collected_at
                .map(|t| crate::render::view::format_time(t, false))
                .unwrap_or_default(),
            html_href: row.report_html.as_deref().map(href),
            json_href: row.report_json.as_deref().map(href),
            signature: segments(row.signature.as_deref()),
        };
        let verdict = if row.ok { row.verdict.clone() } else { None };
        match out
            .iter_mut()
            .find(|g| g.unreadable != row.ok && g.verdict == verdict.clone().unwrap_or_default())
        {
            Some(g) => g.rows.push(view),
            None => out.push(GroupView {
                anchor: format!("v-{}", anchor_safe(&key)),
                verdict: verdict.unwrap_or_default(),
                title,
                severity: row.severity.clone(),
                unreadable: !row.ok,
                rows: vec![view],
            }),
        }
    }
    out
}

/// An element id from bundle text: letters, digits, `.`, `-` and `_` kept, the rest `_`.
fn anchor_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A signature's segments (none for no signature).
fn segments(signature: Option<&str>) -> Vec<&str> {
    signature
        .map(|s| s.split(crate::analyze::signature::SEPARATOR).collect())
        .unwrap_or_default()
}

/// Bundles per signature, most first, then by signature.
fn signature_counts(rows: &[SummaryRow]) -> Vec<SignatureCount> {
    let mut out: Vec<SignatureCount> = Vec::new();
    for r in rows.iter().filter(|r| r.ok) {
        let Some(sig) = &r.signature else { continue };
        let verdict = r.verdict.clone().unwrap_or_default();
        match out.iter_mut().find(|c| &c.signature == sig) {
            Some(c) => {
                c.count += 1;
                if !verdict.is_empty() && !c.verdicts.contains(&verdict) {
                    c.verdicts.push(verdict);
                }
            }
            None => out.push(SignatureCount {
                signature: sig.clone(),
                segments: segments(Some(sig))
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                family: segments(r.signature_family.as_deref())
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                count: 1,
                verdicts: (!verdict.is_empty())
                    .then_some(verdict)
                    .into_iter()
                    .collect(),
            }),
        }
    }
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.signature.cmp(&b.signature))
    });
    out
}

/// Bundles per knowledge-base article, most first, then by file.
pub fn known_issue_counts_of(rows: &[SummaryRow]) -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    for r in rows.iter().filter(|r| r.ok) {
        let Some(file) = &r.known_issue else { continue };
        match out.iter_mut().find(|(f, _, _)| f == file) {
            Some((_, _, n)) => *n += 1,
            None => out.push((
                file.clone(),
                r.known_issue_title.clone().unwrap_or_default(),
                1,
            )),
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out
}

fn known_issue_counts(rows: &[SummaryRow]) -> Vec<KnownIssueCount> {
    known_issue_counts_of(rows)
        .into_iter()
        .map(|(file, title, count)| KnownIssueCount { file, title, count })
        .collect()
}

/// Every risk of every node, worst margin (least headroom) first, then by host and risk.
fn fleet_risks(rows: &[SummaryRow]) -> Vec<RiskView<'_>> {
    let mut out: Vec<RiskView<'_>> = rows
        .iter()
        .filter(|r| r.ok)
        .flat_map(|r| {
            r.risks.iter().map(move |risk| RiskView {
                host: r.host.clone().unwrap_or_else(|| r.bundle.clone()),
                bundle: &r.bundle,
                risk,
                headroom: risk
                    .headroom
                    .map(|h| format!("{:.0}%", h * 100.0))
                    .unwrap_or_default(),
                html_href: r.report_html.as_deref().map(href),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        let h = |v: &RiskView<'_>| v.risk.headroom.unwrap_or(1.0);
        h(a).total_cmp(&h(b))
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.risk.id.cmp(&b.risk.id))
    });
    out
}

const INDEX_TEMPLATE: &str = include_str!("../../templates/summary.html");
const STYLE: &str = include_str!("../../templates/style.css");

/// The summary page.
pub fn to_html(rows: &[SummaryRow]) -> Result<String, BatchError> {
    let tera = render::template_engine(&[("summary.html", INDEX_TEMPLATE), ("style.css", STYLE)])
        .map_err(BatchError::Template)?;
    let readable = rows.iter().filter(|r| r.ok).count();
    let mut counts = Vec::new();
    for s in ["critical", "warning", "info", "none"] {
        let n = rows.iter().filter(|r| r.ok && r.severity == s).count();
        if n > 0 {
            counts.push((s.to_string(), n));
        }
    }
    let view = SummaryView {
        generator: format!("postmortem {}", env!("CARGO_PKG_VERSION")),
        total: rows.len(),
        readable,
        unreadable: rows.len() - readable,
        counts,
        groups: groups(rows),
        signatures: signature_counts(rows),
        known_issues: known_issue_counts(rows),
        risks: fleet_risks(rows),
    };
    let context = tera::Context::from_serialize(&view)
        .map_err(|e| BatchError::Template(render::error_chain(&e)))?;
    tera.render("summary.html", &context)
        .map_err(|e| BatchError::Template(render::error_chain(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, host: &str, severity: &str, verdict: Option<&str>) -> Value {
        serde_json::json!({
            "schema": "postmortem.report/v1",
            "bundle": { "name": name, "hostname": host, "kernel": "3.10.0", "collected_at": "2018-01-23T12:14:41Z" },
            "findings": [ { "id": verdict.unwrap_or("mm.slab-growth"), "severity": severity } ],
            "root_cause": verdict.map(|v| serde_json::json!({ "verdict": v })),
            "details": {
                "requested_order": 6,
                "zones": [
                    { "node": 0, "zone": "DMA", "moment": "failure", "free_blocks": [1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3], "extfrag_index": [] },
                    { "node": 0, "zone": "Normal", "moment": "failure", "free_blocks": [15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0],
                      "extfrag_index": [-1.0, -1.0, -1.0, -1.0, 0.922, 0.961, 0.981, 0.991, 0.996, 0.998, 0.999] },
                    { "node": 0, "zone": "Normal", "moment": "collection", "free_blocks": [8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0], "extfrag_index": [] }
                ]
            }
        })
    }

    #[test]
    fn rows_read_the_failure_zone_of_the_report() {
        let row = row_from_report(
            &report(
                "a.tar.xz",
                "beta_004",
                "critical",
                Some("mm.external-fragmentation"),
            ),
            Some("a.html".into()),
            Some("a.json".into()),
        );
        assert_eq!(row.verdict.as_deref(), Some("mm.external-fragmentation"));
        assert_eq!(row.severity, "critical");
        assert_eq!(row.largest_free_order, Some(3));
        assert_eq!(row.extfrag_at_failed_order, Some(0.981));
        assert_eq!(row.host.as_deref(), Some("beta_004"));
    }

    #[test]
    fn rows_sort_by_severity_then_host_with_unreadable_last() {
        let mut rows = vec![
            unreadable_row("broken.tar.gz", Some("in/broken.tar.gz"), "corrupt"),
            row_from_report(&report("c", "zeta", "warning", None), None, None),
            row_from_report(&report("b", "beta", "critical", Some("x.y")), None, None),
            row_from_report(&report("a", "alpha", "warning", None), None, None),
        ];
        sort_rows(&mut rows);
        let order: Vec<&str> = rows.iter().map(|r| r.bundle.as_str()).collect();
        assert_eq!(order, ["b", "a", "c", "broken.tar.gz"]);
    }

    #[test]
    fn csv_quotes_as_rfc_4180_and_defuses_formulas() {
        let mut row = unreadable_row("a,\"b\"", Some("=cmd|' /C calc'!A0"), "line\nbreak");
        row.findings = vec!["x".into(), "y".into()];
        let csv = to_csv(&[row]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0].split(',').count(), 17);
        assert_eq!(
            lines[1],
            "\"a,\"\"b\"\"\",'=cmd|' /C calc'!A0,false,\"line\nbreak\",,,,,none,x y,,,,,,,"
        );
        let mut forged = unreadable_row("b", None, "");
        forged.severity = "=HYPERLINK(\"http://x.y\",\"a,b\")".into();
        let csv = to_csv(&[forged]);
        let line = csv.split("\r\n").nth(1).unwrap_or_default();
        assert!(
            line.contains(",\"'=HYPERLINK(\"\"http://x.y\"\",\"\"a,b\"\")\","),
            "{line}"
        );
    }

    #[test]
    fn html_groups_by_verdict_and_escapes_bundle_text() {
        let mut rows = vec![
            row_from_report(
                &report(
                    "<b>x</b>",
                    "<script>alert(1)</script>",
                    "critical",
                    Some("mm.external-fragmentation"),
                ),
                Some("x.html".into()),
                None,
            ),
            row_from_report(
                &report("y", "host-y", "critical", Some("mm.external-fragmentation")),
                None,
                None,
            ),
            row_from_report(&report("z", "host-z", "warning", None), None, None),
            unreadable_row("broken.tar.gz", None, "corrupt <gzip>"),
        ];
        sort_rows(&mut rows);
        let html = to_html(&rows).unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || html.contains("&lt;script&gt;")
        );
        assert!(!html.contains("<script"), "the page needs no script");
        assert_eq!(html.matches("<h2 ").count(), 3, "{html}");
        let frag = html.find("id=\"v-mm.external-fragmentation\"").unwrap();
        let slab = html.find("id=\"v-mm.slab-growth\"").unwrap();
        let broken = html.find("id=\"v-unreadable\"").unwrap();
        assert!(frag < slab && slab < broken);
        assert!(html.contains("corrupt &lt;gzip&gt;"));
        assert!(html.contains("Content-Security-Policy"));
    }
}
