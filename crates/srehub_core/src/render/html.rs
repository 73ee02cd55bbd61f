//! One self-contained HTML page: inline CSS, an inline SVG summary chart, no scripts needed to read it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use super::{RenderOptions, place};
use crate::{Chart, ChartKind, Report, Severity};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
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

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#c62828",
        Severity::Warning => "#ef8f00",
        Severity::Info => "#1e6fd9",
    }
}

/// A donut of findings by severity, as inline SVG.
fn donut(r: &Report) -> String {
    let total = r.summary.total as f64;
    let mut svg = String::from(
        r#"<svg class="donut" viewBox="0 0 42 42" width="160" height="160" role="img" aria-label="Findings by severity">"#,
    );
    svg.push_str(
        r##"<circle cx="21" cy="21" r="15.915" fill="none" stroke="#e6e8eb" stroke-width="6"/>"##,
    );
    if total > 0.0 {
        let mut offset = 25.0;
        for s in Severity::ALL {
            let n = r.summary.count(s) as f64;
            if n == 0.0 {
                continue;
            }
            let pct = n / total * 100.0;
            let _ = write!(
                svg,
                r#"<circle cx="21" cy="21" r="15.915" fill="none" stroke="{}" stroke-width="6" stroke-dasharray="{:.3} {:.3}" stroke-dashoffset="{:.3}"><title>{} {}</title></circle>"#,
                colour(s),
                pct,
                100.0 - pct,
                offset,
                r.summary.count(s),
                s
            );
            offset -= pct;
        }
    }
    let _ = write!(
        svg,
        r#"<text x="21" y="21" text-anchor="middle" dominant-baseline="central" class="donut-total">{}</text></svg>"#,
        r.summary.total
    );
    svg
}

/// Horizontal bars: findings per check, the ten largest.
fn bars(r: &Report) -> String {
    let mut per_check: BTreeMap<(&str, &str), (usize, Severity)> = BTreeMap::new();
    for f in &r.findings {
        let e = per_check
            .entry((&f.check, &f.name))
            .or_insert((0, f.severity));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
    }
    let mut rows: Vec<_> = per_check.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    rows.truncate(10);
    let max = rows.first().map(|r| r.1.0).unwrap_or(1).max(1) as f64;
    let mut html = String::from(r#"<div class="bars">"#);
    for ((code, name), (n, sev)) in rows {
        let _ = write!(
            html,
            r#"<div class="bar-row"><span class="bar-label" title="{name}">{code} {name}</span><span class="bar" style="width:{:.1}%;background:{}"></span><span class="bar-n">{n}</span></div>"#,
            n as f64 / max * 60.0,
            colour(sev),
            code = esc(code),
            name = esc(name),
        );
    }
    html.push_str("</div>");
    html
}

/// Colour of a chart series: levels by meaning, anything else from a palette.
fn series_colour(name: &str, i: usize) -> &'static str {
    const PALETTE: [&str; 6] = [
        "#1e6fd9", "#7b61c9", "#2e9d6a", "#d9731e", "#c23b7a", "#5b6b7a",
    ];
    match name {
        "error" | "fatal" | "critical" => "#c62828",
        "warn" | "warning" => "#ef8f00",
        "info" => "#1e6fd9",
        "debug" | "trace" | "other" => "#9aa5b1",
        _ => PALETTE[i % PALETTE.len()],
    }
}

/// Chart geometry shared by the SVG charts: width and height of the plot, left margin, bottom margin.
const W: f64 = 1000.0;
const H: f64 = 200.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 22.0;

/// The horizontal grid lines at the maximum and half of it, labelled.
fn y_grid(svg: &mut String, max: f64) {
    for (frac, label) in [(1.0, max), (0.5, max / 2.0)] {
        let y = H - frac * (H - 8.0);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{label}</text>"##,
            x2 = W + LEFT,
            tx = LEFT - 4.0,
            ty = y + 4.0,
            label = compact(label)
        );
    }
}

/// The first, middle and last x labels, at the positions `x_of` gives.
fn x_labels(svg: &mut String, labels: &[String], x_of: impl Fn(usize) -> f64) {
    let n = labels.len();
    let picks: &[usize] = match n {
        0 => &[],
        1 => &[0],
        _ => &[0, n / 2, n - 1],
    };
    for &i in picks {
        let anchor = if i == 0 {
            "start"
        } else if i == n - 1 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y}" class="axis" text-anchor="{anchor}">{}</text>"#,
            esc(&labels[i]),
            x = x_of(i),
            y = H + 16.0
        );
    }
}

/// A line chart (one polyline per series over the x positions) as inline SVG.
fn lines(c: &Chart) -> String {
    let n = c.x.len();
    let max = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut svg = String::with_capacity(256 + n * c.series.len() * 16);
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="none" role="img" aria-label="{title}">"#,
        w = W + LEFT,
        h = H + BOTTOM,
        title = esc(&c.title)
    );
    y_grid(&mut svg, max);
    let step = if n > 1 { W / (n - 1) as f64 } else { 0.0 };
    for (k, s) in c.series.iter().enumerate() {
        let mut points = String::with_capacity(n * 14);
        for (i, v) in s.values.iter().enumerate().take(n) {
            let v = if v.is_finite() { *v } else { 0.0 };
            let _ = write!(
                points,
                "{:.1},{:.1} ",
                LEFT + i as f64 * step,
                H - v / max * (H - 8.0)
            );
        }
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke-width="1.5" stroke="{}" points="{}"><title>{}</title></polyline>"#,
            series_colour(&s.name, k),
            points.trim_end(),
            esc(&s.name)
        );
    }
    x_labels(&mut svg, &c.x, |i| LEFT + i as f64 * step);
    svg.push_str("</svg>");
    chart_box(c, &svg)
}

/// A stacked-bar chart (one bar per x position) as inline SVG, with a legend and a tooltip per bar.
fn stacked_bars(c: &Chart) -> String {
    let n = c.x.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| c.series.iter().filter_map(|s| s.values.get(i)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0f64, f64::max).max(1.0);
    let mut svg = String::with_capacity(256 + n * c.series.len() * 120);
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="none" role="img" aria-label="{title}">"#,
        w = W + LEFT,
        h = H + BOTTOM,
        title = esc(&c.title)
    );
    // Y axis: the maximum and half of it.
    y_grid(&mut svg, max);
    let bw = W / n.max(1) as f64;
    for (i, (label, total)) in c.x.iter().zip(&totals).enumerate() {
        let x = LEFT + i as f64 * bw;
        let mut y = H;
        let mut tip = format!("{label}: {}", compact(*total));
        for s in &c.series {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v > 0.0 {
                let _ = write!(tip, ", {} {}", s.name, compact(v));
            }
        }
        let _ = write!(svg, "<g><title>{}</title>", esc(&tip));
        for (k, s) in c.series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let bh = v / max * (H - 8.0);
            y -= bh;
            let _ = write!(
                svg,
                r#"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{bh:.2}" fill="{}"/>"#,
                series_colour(&s.name, k),
                w = (bw * 0.9).max(0.5),
            );
        }
        svg.push_str("</g>");
    }
    // X axis: first, middle and last labels.
    x_labels(&mut svg, &c.x, |i| {
        LEFT + i as f64 * bw + if i + 1 == n { bw } else { 0.0 }
    });
    svg.push_str("</svg>");
    chart_box(c, &svg)
}

/// A chart's section: title, legend, axis note and the SVG.
fn chart_box(c: &Chart, svg: &str) -> String {
    let mut html = format!(
        r#"<section class="chart-box" id="chart-{}"><h2>{}</h2><div class="legend">"#,
        esc(&c.id),
        esc(&c.title)
    );
    for (k, s) in c.series.iter().enumerate() {
        let _ = write!(
            html,
            r#"<span><i style="background:{}"></i>{}</span>"#,
            series_colour(&s.name, k),
            esc(&s.name)
        );
    }
    let _ = write!(
        html,
        r#"<span class="axis-note">{} over {}</span></div>{svg}</section>"#,
        esc(&c.y_label),
        esc(&c.x_label)
    );
    html
}

/// A heatmap as an HTML table: rows are series, columns x positions, cells shaded by value.
fn heatmap(c: &Chart) -> String {
    let max = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let mut html = format!(
        r#"<section class="chart-box" id="chart-{}"><h2>{}</h2><table class="heatmap"><thead><tr><th></th>"#,
        esc(&c.id),
        esc(&c.title)
    );
    for x in &c.x {
        let _ = write!(html, "<th>{}</th>", esc(x));
    }
    html.push_str("</tr></thead><tbody>");
    for s in &c.series {
        let _ = write!(html, "<tr><th>{}</th>", esc(&s.name));
        for (i, x) in c.x.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            // White to deep red, by the share of the maximum.
            let a = if v > 0.0 { 0.12 + 0.88 * v / max } else { 0.0 };
            let _ = write!(
                html,
                r#"<td style="background:rgba(198,40,40,{a:.2})" title="{} {}: {} {}">{}</td>"#,
                esc(&s.name),
                esc(x),
                compact(v),
                esc(&c.y_label),
                if v > 0.0 { compact(v) } else { String::new() }
            );
        }
        html.push_str("</tr>");
    }
    let _ = write!(
        html,
        r#"</tbody></table><div class="legend"><span class="axis-note">{} by {}</span></div></section>"#,
        esc(&c.y_label),
        esc(&c.x_label)
    );
    html
}

/// 1234 → 1234, 12345 → 12.3k, 2.5 → 2.5.
fn compact(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1c1f23}
header{background:#1c2733;color:#fff;padding:18px 32px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#b8c4d0}
main{padding:24px 32px;max-width:1400px}
.summary{display:flex;gap:24px;align-items:center;flex-wrap:wrap;background:#fff;border-radius:8px;padding:20px;box-shadow:0 1px 3px #0002}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{min-width:110px;padding:12px 16px;border-radius:6px;background:#f0f2f5}
.card b{display:block;font-size:26px}.card.critical b{color:#c62828}.card.warning b{color:#ef8f00}.card.info b{color:#1e6fd9}
.donut-total{font-size:9px;font-weight:600;fill:#1c1f23}
.bars{flex:1;min-width:320px}.bar-row{display:flex;align-items:center;gap:8px;margin:3px 0}
.bar-label{width:300px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,monospace;font-size:12px}
.bar{height:12px;border-radius:3px;display:inline-block;min-width:2px}.bar-n{font-size:12px;color:#555}
table{border-collapse:collapse;width:100%;margin-top:20px;background:#fff;box-shadow:0 1px 3px #0002;border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eceef1;vertical-align:top}th{background:#eef1f4;font-weight:600}
td.code{font-family:ui-monospace,monospace;white-space:nowrap}.sev{font-weight:600;white-space:nowrap}
.sev.critical{color:#c62828}.sev.warning{color:#b36b00}.sev.info{color:#1e6fd9}.hint{color:#555;font-size:13px;margin-top:4px}
.notes{margin-top:20px;background:#fffbe6;border:1px solid #f0e0a0;border-radius:6px;padding:10px 16px}
footer{color:#777;font-size:12px;padding:16px 32px}
.chart-box{margin-top:20px;background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 3px #0002}.chart-box h2{font-size:16px;margin:0 0 8px}
.chart{height:220px}.chart .axis{font-size:11px;fill:#666}.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;margin-bottom:6px}
.heatmap{width:auto;box-shadow:none;margin-top:4px}.heatmap td,.heatmap th{padding:3px 5px;font-size:11px;text-align:center;border:1px solid #f0f0f0;min-width:18px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}.axis-note{color:#777}
"#;

pub(super) fn render(r: &Report, opts: &RenderOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let title = format!("srehub {} report", r.tool);
    let mut h = String::with_capacity(4096 + r.findings.len() * 400);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body>\n",
        esc(&title)
    );
    let _ = write!(h, "<header><h1>{}</h1><p>", esc(&title));
    if let Some(t) = &r.target {
        let _ = write!(h, "Target <code>{}</code> · ", esc(t));
    }
    let _ = write!(
        h,
        "generated {}</p></header>\n<main>\n",
        esc(&r.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
    );
    let s = &r.summary;
    let _ = write!(
        h,
        r#"<section class="summary" id="summary">{}<div class="cards">"#,
        donut(r)
    );
    for sev in Severity::ALL {
        let _ = write!(
            h,
            r#"<div class="card {sev}"><b>{}</b>{sev}</div>"#,
            s.count(sev)
        );
    }
    let _ = write!(
        h,
        r#"<div class="card"><b>{}</b>checks run</div>"#,
        s.checks_run
    );
    if let Some(score) = s.score {
        let _ = write!(
            h,
            r#"<div class="card score"><b>{score}</b>score / 100</div>"#
        );
    }
    h.push_str("</div>");
    h.push_str(&bars(r));
    h.push_str("</section>\n");
    for c in &r.charts {
        match c.kind {
            ChartKind::StackedBars => h.push_str(&stacked_bars(c)),
            ChartKind::Heatmap => h.push_str(&heatmap(c)),
            ChartKind::Lines => h.push_str(&lines(c)),
        }
        h.push('\n');
    }
    if r.findings.is_empty() {
        h.push_str(r#"<p id="findings">No findings.</p>"#);
    } else {
        h.push_str(r#"<table id="findings"><thead><tr><th>Severity</th><th>Check</th><th>Where</th><th>Message</th></tr></thead><tbody>"#);
        for f in &r.findings {
            let _ = write!(
                h,
                r#"<tr class="finding {sev}"><td class="sev {sev}">{sev}</td><td class="code" title="{name}">{code}<br><small>{name}</small></td><td>{place}</td><td>{msg}"#,
                sev = f.severity,
                code = esc(&f.check),
                name = esc(&f.name),
                place = esc(&place(f)),
                msg = esc(&f.message),
            );
            if let Some(hint) = &f.hint {
                let _ = write!(h, r#"<div class="hint">→ {}</div>"#, esc(hint));
            }
            h.push_str("</td></tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }
    if !r.notes.is_empty() {
        h.push_str(r#"<div class="notes"><b>Notes</b><ul>"#);
        for n in &r.notes {
            let _ = write!(h, "<li>{}</li>", esc(&n.message));
        }
        h.push_str("</ul></div>\n");
    }
    let _ = writeln!(
        h,
        "</main><footer>srehub {} · report schema {}</footer></body></html>",
        esc(&opts.version),
        esc(&r.schema)
    );
    out.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::render::{Format, RenderOptions, render_to_string, sample};

    #[test]
    fn html_escapes_everything_from_findings() {
        let html =
            render_to_string(&sample::report(), Format::Html, &RenderOptions::default()).unwrap();
        assert!(html.contains("Container &lt;worker&gt; &amp; &quot;sidecar&quot;"));
        assert!(!html.contains("<worker>"));
        assert!(!html.contains("<script"), "the page must not need scripts");
        assert!(html.contains("<svg class=\"donut\""));
    }

    #[test]
    fn html_snapshot() {
        let opts = RenderOptions {
            version: "0.0.0-test".into(),
            ..RenderOptions::default()
        };
        insta::assert_snapshot!(render_to_string(&sample::report(), Format::Html, &opts).unwrap());
    }
}
