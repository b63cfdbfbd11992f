//! Chart geometry for the HTML report's inline SVG.
//!
//! Everything is computed here, in Rust, and handed to the partials in `templates/partials/` as
//! plain numbers already formatted (one decimal), so the markup is deterministic and the
//! templates only place elements. Labels are bundle text in places (zone names) and are escaped
//! by the template, never here.

use serde::Serialize;

/// Width of every chart's view box; the page scales it.
const WIDTH: f64 = 640.0;

/// A coordinate or length, formatted with one decimal.
fn n(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1}")
    } else {
        "0.0".to_string()
    }
}

/// Free blocks per order per zone at one moment, on a log scale.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    /// `failure` or `collection`; also the element id suffix.
    pub moment: String,
    pub title: String,
    pub width: String,
    pub height: String,
    /// Left and right ends of the plot area, and its top and bottom.
    pub plot_left: String,
    pub plot_right: String,
    pub plot_top: String,
    pub baseline: String,
    /// Right edge of the tick labels, and the x axis title's position.
    pub tick_x: String,
    pub axis_title_x: String,
    pub axis_title_y: String,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub labels: Vec<AxisLabel>,
    /// The band marking the requested order's column.
    pub requested: Option<Band>,
    /// Zone names, in series order (series `i` is drawn with class `s{i}`).
    pub series: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    /// CSS class: `s0`, `s1`... by zone, plus `zero` for an empty free list.
    pub class: String,
    /// Tooltip: zone, order, count.
    pub tip: String,
}

/// A horizontal grid line with its value label.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub y: String,
    pub label: String,
}

/// A label under the x axis.
#[derive(Debug, Clone, Serialize)]
pub struct AxisLabel {
    pub x: String,
    pub y: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub label: String,
    pub label_x: String,
    pub label_y: String,
}

/// One series of a [`BarChart`]: a zone's free blocks per order.
pub struct Series<'a> {
    pub name: &'a str,
    pub counts: &'a [u64],
}

/// Height of a count on the chart's log scale, as a fraction of the plot: 0 for an empty free
/// list, then one band per decade starting at 1.
fn log_fraction(count: u64, decades: u32) -> f64 {
    if count == 0 {
        return 0.0;
    }
    ((count as f64).log10() + 1.0) / (f64::from(decades) + 1.0)
}

/// Label of `10^exp`: `1`, `10`, `100`, `1k`, `10k`, `100k`, `1M`...
fn decade_label(exp: u32) -> String {
    match exp {
        0 => "1".into(),
        1 => "10".into(),
        2 => "100".into(),
        3 => "1k".into(),
        4 => "10k".into(),
        5 => "100k".into(),
        6 => "1M".into(),
        7 => "10M".into(),
        8 => "100M".into(),
        e => format!("1e{e}"),
    }
}

impl BarChart {
    /// Grouped bars: one group per order, one bar per zone. `None` when there is nothing to draw.
    pub fn free_blocks(
        moment: &str,
        title: &str,
        series: &[Series<'_>],
        requested_order: Option<u32>,
    ) -> Option<BarChart> {
        let orders = series.iter().map(|s| s.counts.len()).max().unwrap_or(0);
        if orders == 0 {
            return None;
        }
        let max = series
            .iter()
            .flat_map(|s| s.counts.iter().copied())
            .max()
            .unwrap_or(0);
        // Whole decades up to the largest count, at least 10.
        let decades = if max <= 1 {
            1
        } else {
            ((max as f64).log10().ceil() as u32).max(1)
        };
        let (left, right, top, bottom) = (52.0, 12.0, 22.0, 34.0);
        let height = 250.0;
        let plot_w = WIDTH - left - right;
        let plot_h = height - top - bottom;
        let baseline = height - bottom;
        let group_w = plot_w / orders as f64;
        let bar_w = group_w * 0.8 / series.len().max(1) as f64;

        let mut bars = Vec::new();
        for (si, s) in series.iter().enumerate() {
            for (order, &count) in s.counts.iter().enumerate() {
                let x = left + group_w * order as f64 + group_w * 0.1 + bar_w * si as f64;
                let (h, class) = if count == 0 {
                    (1.5, format!("s{} zero", si % 6))
                } else {
                    (
                        log_fraction(count, decades) * plot_h,
                        format!("s{}", si % 6),
                    )
                };
                bars.push(Bar {
                    x: n(x),
                    y: n(baseline - h),
                    w: n(bar_w),
                    h: n(h),
                    class,
                    tip: format!(
                        "{}, order {}: {} free block{}",
                        s.name,
                        order,
                        count,
                        if count == 1 { "" } else { "s" }
                    ),
                });
            }
        }
        let mut ticks = vec![Tick {
            y: n(baseline),
            label: "0".into(),
        }];
        for exp in 0..=decades {
            let y = baseline - (f64::from(exp) + 1.0) / (f64::from(decades) + 1.0) * plot_h;
            ticks.push(Tick {
                y: n(y),
                label: decade_label(exp),
            });
        }
        let labels = (0..orders)
            .map(|order| AxisLabel {
                x: n(left + group_w * (order as f64 + 0.5)),
                y: n(baseline + 16.0),
                text: order.to_string(),
            })
            .collect();
        let requested = requested_order.filter(|&o| (o as usize) < orders).map(|o| {
            let x = left + group_w * f64::from(o);
            Band {
                x: n(x),
                y: n(top - 14.0),
                w: n(group_w),
                h: n(plot_h + 14.0),
                label: format!("requested order {o}"),
                label_x: n(x + group_w / 2.0),
                label_y: n(top - 4.0),
            }
        });
        Some(BarChart {
            moment: moment.to_string(),
            title: title.to_string(),
            width: n(WIDTH),
            height: n(height),
            plot_left: n(left),
            plot_right: n(WIDTH - right),
            plot_top: n(top),
            baseline: n(baseline),
            tick_x: n(left - 6.0),
            axis_title_x: n(left + plot_w / 2.0),
            axis_title_y: n(height - 2.0),
            bars,
            ticks,
            labels,
            requested,
            series: series.iter().map(|s| s.name.to_string()).collect(),
        })
    }
}

/// A single horizontal bar split into parts (memory composition).
#[derive(Debug, Clone, Serialize)]
pub struct StackedBar {
    pub width: String,
    pub height: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub x: String,
    pub w: String,
    /// CSS class (`m-anon`, `m-file`...).
    pub class: String,
    pub tip: String,
}

impl StackedBar {
    /// Parts as `(class, tooltip, bytes)`; `None` when they add up to nothing.
    pub fn new(parts: &[(&str, String, u64)]) -> Option<StackedBar> {
        let total: u128 = parts.iter().map(|(_, _, b)| u128::from(*b)).sum();
        if total == 0 {
            return None;
        }
        let height = 40.0;
        let mut x = 0.0;
        let mut segments = Vec::new();
        for (class, tip, bytes) in parts {
            let w = *bytes as f64 / total as f64 * WIDTH;
            if *bytes > 0 {
                segments.push(Segment {
                    x: n(x),
                    w: n(w),
                    class: (*class).to_string(),
                    tip: tip.clone(),
                });
            }
            x += w;
        }
        Some(StackedBar {
            width: n(WIDTH),
            height: n(height),
            segments,
        })
    }
}

/// The timeline as a strip: events placed by time, one row per severity.
#[derive(Debug, Clone, Serialize)]
pub struct Strip {
    pub width: String,
    pub height: String,
    pub axis_y: String,
    pub axis_left: String,
    pub axis_right: String,
    pub marks: Vec<Mark>,
    pub start_label: String,
    pub end_label: String,
    pub label_y: String,
    /// The unit of the axis, in words (`wall clock, UTC` or `seconds since boot`).
    pub scale: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub cx: String,
    pub cy: String,
    /// `critical`, `warning` or `info`.
    pub severity: String,
    pub tip: String,
}

/// An event for the strip: its position on the time axis, in seconds.
pub struct StripEvent {
    pub at: f64,
    pub severity: &'static str,
    pub tip: String,
}

impl Strip {
    pub fn new(
        events: &[StripEvent],
        start_label: String,
        end_label: String,
        scale: &str,
    ) -> Option<Strip> {
        let first = events.iter().map(|e| e.at).reduce(f64::min)?;
        let last = events.iter().map(|e| e.at).reduce(f64::max)?;
        let (left, right) = (16.0, WIDTH - 16.0);
        let span = last - first;
        let marks = events
            .iter()
            .map(|e| {
                let fraction = if span > 0.0 {
                    (e.at - first) / span
                } else {
                    0.5
                };
                let cy = match e.severity {
                    "critical" => 18.0,
                    "warning" => 34.0,
                    _ => 50.0,
                };
                Mark {
                    cx: n(left + fraction * (right - left)),
                    cy: n(cy),
                    severity: e.severity.to_string(),
                    tip: e.tip.clone(),
                }
            })
            .collect();
        Some(Strip {
            width: n(WIDTH),
            height: n(84.0),
            axis_y: n(62.0),
            axis_left: n(left),
            axis_right: n(right),
            marks,
            start_label,
            end_label,
            label_y: n(78.0),
            scale: scale.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_scale_puts_decades_on_even_steps() {
        assert_eq!(log_fraction(0, 4), 0.0);
        assert!((log_fraction(1, 4) - 0.2).abs() < 1e-9);
        assert!((log_fraction(10_000, 4) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn free_blocks_chart_marks_the_requested_order() {
        let normal = [15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0];
        let chart = BarChart::free_blocks(
            "failure",
            "t",
            &[Series {
                name: "Normal",
                counts: &normal,
            }],
            Some(6),
        )
        .expect("chart");
        assert_eq!(chart.bars.len(), 11);
        assert_eq!(chart.labels.len(), 11);
        // 15952 needs five decades (1 .. 100k).
        assert_eq!(chart.ticks.last().map(|t| t.label.as_str()), Some("100k"));
        assert!(chart.bars[6].class.contains("zero"));
        assert_eq!(chart.bars[6].tip, "Normal, order 6: 0 free blocks");
        let band = chart.requested.expect("band");
        assert_eq!(band.label, "requested order 6");
        assert_eq!(band.x, "366.2");
    }

    #[test]
    fn stacked_bar_spans_the_width() {
        let bar = StackedBar::new(&[
            ("a", "a".into(), 1),
            ("b", "b".into(), 0),
            ("c", "c".into(), 3),
        ])
        .expect("bar");
        assert_eq!(bar.segments.len(), 2);
        assert_eq!(bar.segments[1].x, "160.0");
        assert_eq!(bar.segments[1].w, "480.0");
        assert!(StackedBar::new(&[("a", "a".into(), 0)]).is_none());
    }

    #[test]
    fn strip_places_events_by_time() {
        let events = [
            StripEvent {
                at: 0.0,
                severity: "info",
                tip: "a".into(),
            },
            StripEvent {
                at: 10.0,
                severity: "critical",
                tip: "b".into(),
            },
        ];
        let strip = Strip::new(&events, "s".into(), "e".into(), "x").expect("strip");
        assert_eq!(strip.marks[0].cx, "16.0");
        assert_eq!(strip.marks[1].cx, "624.0");
        assert_eq!(strip.marks[1].cy, "18.0");
        assert!(Strip::new(&[], "s".into(), "e".into(), "x").is_none());
    }
}
