//! Renderers of template-mining results: table, JSON, per-line CSV (the Loghub benchmark's format) and
//! OpenMetrics counts.

use std::io::{self, Write};

use serde::Serialize;

use crate::drain::{Miner, Template};

/// JSON document of `srehub logs templates -o json` (schema `srehub.logs.templates/v1`).
#[derive(Debug, Serialize)]
pub struct TemplatesDoc<'a, S: Serialize> {
    pub schema: &'static str,
    /// Records mined.
    pub records: u64,
    /// Templates (most frequent first).
    pub templates: Vec<TemplateView<'a>>,
    /// Clusters evicted to respect `max_clusters`.
    pub evicted: u64,
    /// Per input stream: lines, records, unparsed lines, formats.
    pub streams: S,
}

/// One template in JSON output.
#[derive(Debug, Serialize)]
pub struct TemplateView<'a> {
    pub id: &'a str,
    pub template: String,
    pub count: u64,
    /// Share of all records (0..=1).
    pub share: f64,
    pub first_line: u64,
    pub last_line: u64,
    pub example: &'a str,
    pub params: Vec<ParamView<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub seeded: bool,
}

/// One parameter in JSON output: its most frequent values and, when numeric, a summary with
/// quantiles and the histogram (`le` upper bounds, counts per bucket).
#[derive(Debug, Serialize)]
pub struct ParamView<'a> {
    pub position: usize,
    pub values: Vec<(&'a str, u64)>,
    pub other: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericView>,
}

/// The numeric summary of a parameter.
#[derive(Debug, Serialize)]
pub struct NumericView {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    /// Non-cumulative counts per bucket; `le` is the bucket's upper bound.
    pub histogram: Vec<HistogramBucket>,
}

#[derive(Debug, Serialize)]
pub struct HistogramBucket {
    pub le: f64,
    pub count: u64,
}

fn param_view(p: &crate::drain::ParamStats) -> ParamView<'_> {
    ParamView {
        position: p.position,
        values: p
            .values
            .iter()
            .map(|v| (v.text.as_str(), v.count))
            .collect(),
        other: p.other,
        numeric: p.numeric.as_ref().map(|n| {
            let mut histogram = Vec::new();
            if n.zero_or_negative > 0 {
                histogram.push(HistogramBucket {
                    le: 0.0,
                    count: n.zero_or_negative,
                });
            }
            histogram.extend(n.buckets.iter().map(|&(i, count)| HistogramBucket {
                le: crate::drain::NumericStats::bound(i),
                count,
            }));
            NumericView {
                count: n.count,
                min: n.min,
                max: n.max,
                mean: n.mean(),
                p50: n.quantile(0.5),
                p90: n.quantile(0.9),
                p99: n.quantile(0.99),
                histogram,
            }
        }),
    }
}

/// Live templates sorted by count (descending), then id.
pub fn sorted(miner: &Miner) -> Vec<Template<'_>> {
    let mut v: Vec<Template<'_>> = miner.templates().collect();
    v.sort_by(|a, b| {
        b.variant
            .count
            .cmp(&a.variant.count)
            .then_with(|| a.id().cmp(b.id()))
    });
    v
}

pub fn views<'a>(miner: &'a Miner, records: u64) -> Vec<TemplateView<'a>> {
    sorted(miner)
        .into_iter()
        .map(|t| TemplateView {
            id: t.id(),
            template: t.text(),
            count: t.variant.count,
            share: if records == 0 {
                0.0
            } else {
                t.variant.count as f64 / records as f64
            },
            first_line: t.variant.first_line,
            last_line: t.variant.last_line,
            example: t.variant.example.as_str(),
            params: t.params().map(param_view).collect(),
            seeded: t.cluster.seeded,
        })
        .collect()
}

/// A plain table: id, count, share and template, at most `top` rows (all when `None`), each line cut
/// to `width` characters when given.
pub fn write_table(
    w: &mut dyn Write,
    miner: &Miner,
    records: u64,
    top: Option<usize>,
    width: Option<usize>,
) -> io::Result<()> {
    let views = views(miner, records);
    writeln!(w, "{:<10} {:>10} {:>7}  TEMPLATE", "ID", "COUNT", "SHARE")?;
    let shown = top.unwrap_or(views.len()).min(views.len());
    for v in &views[..shown] {
        let mut line = format!(
            "{:<10} {:>10} {:>6.2}%  {}",
            v.id,
            v.count,
            v.share * 100.0,
            v.template
        );
        if let Some(wd) = width
            && line.chars().count() > wd
        {
            line = line.chars().take(wd.saturating_sub(1)).collect::<String>() + "…";
        }
        writeln!(w, "{line}")?;
    }
    if shown < views.len() {
        writeln!(
            w,
            "… {} more templates (--top to show more)",
            views.len() - shown
        )?;
    }
    writeln!(
        w,
        "{} records, {} templates{}",
        records,
        views.len(),
        if miner.evicted() > 0 {
            format!(", {} evicted (max clusters reached)", miner.evicted())
        } else {
            String::new()
        }
    )
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// OpenMetrics exposition of template counts: `srehub_log_template_lines_total{template_id,template}`.
pub fn write_openmetrics(w: &mut dyn Write, miner: &Miner) -> io::Result<()> {
    let templates = sorted(miner);
    writeln!(
        w,
        "# TYPE srehub_log_template_lines counter\n# HELP srehub_log_template_lines Log lines per mined template."
    )?;
    for t in &templates {
        writeln!(
            w,
            "srehub_log_template_lines_total{{template_id=\"{}\",template=\"{}\"}} {}",
            t.id(),
            escape_label(&t.text()),
            t.variant.count
        )?;
    }
    // Numeric parameters (latencies, sizes) as histograms.
    let numeric: Vec<_> = templates
        .iter()
        .flat_map(|t| {
            t.params()
                .filter_map(move |p| Some((t, p.position, p.numeric.as_ref()?)))
        })
        .collect();
    if !numeric.is_empty() {
        writeln!(
            w,
            "# TYPE srehub_log_parameter histogram\n# HELP srehub_log_parameter Values of numeric template parameters."
        )?;
        for (t, pos, n) in numeric {
            let labels = format!("template_id=\"{}\",position=\"{pos}\"", t.id());
            let mut cumulative = n.zero_or_negative;
            if cumulative > 0 {
                writeln!(
                    w,
                    "srehub_log_parameter_bucket{{{labels},le=\"0\"}} {cumulative}"
                )?;
            }
            for &(i, c) in &n.buckets {
                cumulative += c;
                writeln!(
                    w,
                    "srehub_log_parameter_bucket{{{labels},le=\"{}\"}} {cumulative}",
                    crate::drain::NumericStats::bound(i)
                )?;
            }
            writeln!(
                w,
                "srehub_log_parameter_bucket{{{labels},le=\"+Inf\"}} {}",
                n.count
            )?;
            writeln!(w, "srehub_log_parameter_sum{{{labels}}} {}", n.sum)?;
            writeln!(w, "srehub_log_parameter_count{{{labels}}} {}", n.count)?;
        }
    }
    writeln!(w, "# EOF")
}

fn escape_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// One record as a flat JSON object: `line`, `timestamp`, `level`, `message`, `format`, then the fields
/// (a field named like one of those is prefixed with `field.`).
pub fn write_record_json(w: &mut dyn Write, r: &crate::Record) -> io::Result<()> {
    let mut map = serde_json::Map::with_capacity(r.fields.len() + 5);
    map.insert("line".into(), r.line.into());
    if let Some(ts) = r.timestamp {
        map.insert("timestamp".into(), ts.to_string().into());
    }
    if let Some(l) = r.level {
        map.insert("level".into(), l.as_str().into());
    }
    map.insert("message".into(), r.message.as_str().into());
    map.insert("format".into(), r.format.as_str().into());
    for (k, v) in &r.fields {
        let key = if map.contains_key(k) {
            format!("field.{k}")
        } else {
            k.to_string()
        };
        map.insert(
            key,
            serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
        );
    }
    serde_json::to_writer(&mut *w, &map)?;
    w.write_all(b"\n")
}

/// One record as a logfmt line: `ts=… level=… msg="…" key=value…`.
pub fn write_record_logfmt(w: &mut dyn Write, r: &crate::Record) -> io::Result<()> {
    let mut first = true;
    let mut pair = |w: &mut dyn Write, k: &str, v: &str| -> io::Result<()> {
        if !first {
            w.write_all(b" ")?;
        }
        first = false;
        write!(w, "{}=", logfmt_key(k))?;
        write_logfmt_value(w, v)
    };
    if let Some(ts) = r.timestamp {
        pair(w, "ts", &ts.to_string())?;
    }
    if let Some(l) = r.level {
        pair(w, "level", l.as_str())?;
    }
    pair(w, "msg", &r.message)?;
    for (k, v) in &r.fields {
        pair(w, k, &v.to_text())?;
    }
    w.write_all(b"\n")
}

fn logfmt_key(k: &str) -> std::borrow::Cow<'_, str> {
    if !k.is_empty() && k.bytes().all(|b| b > b' ' && b != b'=' && b != b'"') {
        std::borrow::Cow::Borrowed(k)
    } else {
        std::borrow::Cow::Owned(
            k.chars()
                .map(|c| {
                    if c <= ' ' || c == '=' || c == '"' {
                        '_'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }
}

fn write_logfmt_value(w: &mut dyn Write, v: &str) -> io::Result<()> {
    if !v.is_empty()
        && v.bytes()
            .all(|b| b > b' ' && b != b'=' && b != b'"' && b != b'\\')
    {
        return w.write_all(v.as_bytes());
    }
    // Quoted with JSON string escapes, which logfmt readers accept.
    serde_json::to_writer(&mut *w, v).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drain::MinerOptions;

    #[test]
    fn csv_and_openmetrics_escape_what_they_must() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        let mut m = Miner::new(MinerOptions::default());
        m.add(1, "path \"x\" opened");
        let mut out = Vec::new();
        write_openmetrics(&mut out, &m).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(r#"template="path \"x\" opened"} 1"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn records_render_flat_as_json_and_logfmt() {
        let mut r = crate::Record::plain(3, "user \"bob\" logged in");
        r.level = Some(crate::Level::Info);
        r.fields
            .push(("app".into(), crate::FieldValue::Str("api gw".into())));
        r.fields.push(("message".into(), crate::FieldValue::Int(1)));
        let mut out = Vec::new();
        write_record_json(&mut out, &r).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["line"], 3);
        assert_eq!(v["app"], "api gw");
        assert_eq!(v["field.message"], 1);
        let mut out = Vec::new();
        write_record_logfmt(&mut out, &r).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "level=info msg=\"user \\\"bob\\\" logged in\" app=\"api gw\" message=1\n"
        );
    }
}
