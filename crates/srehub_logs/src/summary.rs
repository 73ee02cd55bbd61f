//! The model of `srehub logs analyze`: per template, counts over time buckets and by level; per trace,
//! the services and errors it went through. Built record by record with bounded memory
//! ([`Collector`]); the analyzers (`srehub_checks::logs`) are pure functions over the result.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::record::{Level, Record};

/// Most buckets per series: past it, every series is coarsened (bucket width doubled).
pub const MAX_BUCKETS: usize = 2048;

/// Settings of the collector.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    /// Bucket width to start with: seconds when records carry timestamps, lines otherwise.
    pub bucket_seconds: i64,
    pub bucket_lines: i64,
    /// Field names that hold a trace id, in order of preference (`traceparent` is also understood).
    pub trace_fields: Vec<String>,
    /// Field names that name the emitting service.
    pub service_fields: Vec<String>,
    /// Traces kept (the ones with errors are kept first).
    pub max_traces: usize,
    /// Events kept per trace for its timeline.
    pub max_trace_events: usize,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions {
            bucket_seconds: 60,
            bucket_lines: 1000,
            trace_fields: [
                "trace_id",
                "traceId",
                "trace.id",
                "traceID",
                "otel.trace_id",
                "dd.trace_id",
                "x-b3-traceid",
            ]
            .map(String::from)
            .to_vec(),
            service_fields: [
                "service",
                "service.name",
                "service_name",
                "app",
                "component",
                "logger",
                "_SYSTEMD_UNIT",
            ]
            .map(String::from)
            .to_vec(),
            max_traces: 20_000,
            max_trace_events: 50,
        }
    }
}

/// One template's history.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateSeries {
    pub id: String,
    pub template: String,
    pub count: u64,
    /// Records by level (`trace` … `fatal`), and without a level.
    pub levels: [u64; 7],
    pub no_level: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub example: String,
    /// Counts per bucket from the first bucket of the whole input.
    pub buckets: Vec<u32>,
}

impl TemplateSeries {
    /// Records at `error` or `fatal`.
    pub fn errors(&self) -> u64 {
        self.levels[Level::Error as usize] + self.levels[Level::Fatal as usize]
    }
}

/// One event of a trace's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TraceEvent {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub template_id: String,
    pub message: String,
}

/// What the logs say about one trace.
#[derive(Debug, Clone, Serialize)]
pub struct TraceSummary {
    pub trace_id: String,
    pub records: u64,
    pub errors: u64,
    /// Services in order of first appearance.
    pub services: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<jiff::Timestamp>,
    /// The first events (bounded), then the errors after them.
    pub events: Vec<TraceEvent>,
}

/// The analysis model.
#[derive(Debug, Clone, Serialize)]
pub struct LogSummary {
    pub records: u64,
    /// Buckets are time (seconds) when most records had a timestamp, line counts otherwise.
    pub time_based: bool,
    /// Width of a bucket in seconds (or lines).
    pub bucket_width: i64,
    /// Start of bucket 0 (Unix seconds, or line number).
    pub origin: i64,
    pub buckets: usize,
    pub templates: Vec<TemplateSeries>,
    pub traces: Vec<TraceSummary>,
    /// Traces dropped to stay within `max_traces`.
    pub traces_dropped: u64,
}

/// The two ways of bucketing: by timestamp, or by line number for logs without one.
#[derive(Debug, Clone, Copy)]
enum Axis {
    Time,
    Lines,
}

/// Builds a [`LogSummary`] from records and their template ids.
#[derive(Debug)]
pub struct Collector {
    opts: CollectorOptions,
    records: u64,
    with_time: u64,
    time_origin: Option<i64>,
    time_width: i64,
    time_len: usize,
    line_width: i64,
    line_len: usize,
    series: HashMap<String, Series>,
    traces: HashMap<String, TraceSummary>,
    /// Trace ids in insertion order, candidates for eviction (entries that have gained errors since
    /// are skipped when popped).
    evictable: VecDeque<String>,
    traces_dropped: u64,
}

/// Longest message kept in examples and trace events.
const MAX_KEPT_MESSAGE: usize = 1024;

/// `s` cut to at most `MAX_KEPT_MESSAGE` bytes on a character boundary, with `…` when cut.
fn kept(s: &str) -> String {
    if s.len() <= MAX_KEPT_MESSAGE {
        return s.to_string();
    }
    let mut end = MAX_KEPT_MESSAGE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[derive(Debug, Default)]
struct Series {
    template: String,
    count: u64,
    levels: [u64; 7],
    no_level: u64,
    first_line: u64,
    last_line: u64,
    example: String,
    by_time: Vec<u32>,
    by_line: Vec<u32>,
}

impl Collector {
    pub fn new(opts: CollectorOptions) -> Collector {
        Collector {
            time_width: opts.bucket_seconds.max(1),
            line_width: opts.bucket_lines.max(1),
            opts,
            records: 0,
            with_time: 0,
            time_origin: None,
            time_len: 0,
            line_len: 0,
            series: HashMap::new(),
            traces: HashMap::new(),
            evictable: VecDeque::new(),
            traces_dropped: 0,
        }
    }

    /// Adds a record (`line` is its global line number) that went to template `id`.
    pub fn add(&mut self, line: u64, rec: &Record, id: &str, template: impl FnOnce() -> String) {
        self.records += 1;
        let ts = rec.timestamp.map(|t| t.as_second());
        if ts.is_some() {
            self.with_time += 1;
        }
        let time_bucket = ts.map(|t| {
            let origin = *self.time_origin.get_or_insert(t);
            // Records a little out of order, before the first one, count in the first bucket.
            self.bucket(Axis::Time, t - origin)
        });
        let line_bucket = self.bucket(Axis::Lines, line.saturating_sub(1) as i64);
        if !self.series.contains_key(id) {
            self.series.insert(
                id.to_string(),
                Series {
                    template: template(),
                    first_line: line,
                    example: kept(&rec.message),
                    ..Series::default()
                },
            );
        }
        let Some(s) = self.series.get_mut(id) else {
            return;
        };
        s.count += 1;
        s.last_line = line;
        match rec.level {
            Some(l) => s.levels[l as usize] += 1,
            None => s.no_level += 1,
        }
        if let Some(b) = time_bucket {
            bump(&mut s.by_time, b);
            self.time_len = self.time_len.max(b + 1);
        }
        bump(&mut s.by_line, line_bucket);
        self.line_len = self.line_len.max(line_bucket + 1);
        self.add_trace(line, rec, id);
    }

    /// The bucket of an offset (seconds or lines from the origin) on an axis, widening every series
    /// of that axis (bucket width doubled) until it fits within `MAX_BUCKETS`.
    fn bucket(&mut self, axis: Axis, offset: i64) -> usize {
        loop {
            let width = match axis {
                Axis::Time => self.time_width,
                Axis::Lines => self.line_width,
            };
            let b = usize::try_from(offset.max(0) / width).unwrap_or(usize::MAX);
            if b < MAX_BUCKETS {
                return b;
            }
            match axis {
                Axis::Time => {
                    self.time_width *= 2;
                    self.time_len = self.time_len.div_ceil(2);
                }
                Axis::Lines => {
                    self.line_width *= 2;
                    self.line_len = self.line_len.div_ceil(2);
                }
            }
            for s in self.series.values_mut() {
                halve(match axis {
                    Axis::Time => &mut s.by_time,
                    Axis::Lines => &mut s.by_line,
                });
            }
        }
    }

    fn add_trace(&mut self, line: u64, rec: &Record, template_id: &str) {
        let Some(trace_id) = trace_id_of(rec, &self.opts.trace_fields) else {
            return;
        };
        let service = self
            .opts
            .service_fields
            .iter()
            .find_map(|f| rec.field(f))
            .map(|v| v.to_text());
        let is_error = rec.level.is_some_and(|l| l >= Level::Error);
        if !self.traces.contains_key(&trace_id) {
            if self.traces.len() >= self.opts.max_traces {
                // Full: drop the oldest trace without errors, or, when every kept trace has errors,
                // this new one.
                let mut evicted = false;
                while let Some(old) = self.evictable.pop_front() {
                    if self.traces.get(&old).is_some_and(|t| t.errors == 0) {
                        self.traces.remove(&old);
                        evicted = true;
                        break;
                    }
                }
                self.traces_dropped += 1;
                if !evicted {
                    return;
                }
            }
            self.evictable.push_back(trace_id.clone());
        }
        let t = self
            .traces
            .entry(trace_id.clone())
            .or_insert_with(|| TraceSummary {
                trace_id,
                records: 0,
                errors: 0,
                services: Vec::new(),
                first: None,
                last: None,
                events: Vec::new(),
            });
        t.records += 1;
        if is_error {
            t.errors += 1;
        }
        if let Some(s) = &service
            && !t.services.contains(s)
        {
            t.services.push(s.clone());
        }
        if let Some(ts) = rec.timestamp {
            t.first = Some(t.first.map_or(ts, |f| f.min(ts)));
            t.last = Some(t.last.map_or(ts, |l| l.max(ts)));
        }
        if t.events.len() < self.opts.max_trace_events
            || is_error && t.events.len() < 2 * self.opts.max_trace_events
        {
            t.events.push(TraceEvent {
                line,
                timestamp: rec.timestamp,
                service,
                level: rec.level,
                template_id: template_id.to_string(),
                message: kept(&rec.message),
            });
        }
    }

    /// The model. `resolve` maps a template id seen during collection to its final id and text
    /// (templates can merge while mining); series of merged ids are added together.
    pub fn finish(self, resolve: impl Fn(&str) -> Option<(String, String)>) -> LogSummary {
        let time_based = self.with_time * 2 > self.records;
        let (width, origin, len) = if time_based {
            (
                self.time_width,
                self.time_origin.unwrap_or(0),
                self.time_len,
            )
        } else {
            (self.line_width, 1, self.line_len)
        };
        let mut merged: HashMap<String, TemplateSeries> = HashMap::new();
        for (id, s) in self.series {
            let (final_id, text) = resolve(&id).unwrap_or((id, s.template));
            let mut buckets = if time_based { s.by_time } else { s.by_line };
            buckets.resize(len, 0);
            match merged.get_mut(&final_id) {
                Some(m) => {
                    m.count += s.count;
                    for (a, b) in m.levels.iter_mut().zip(s.levels) {
                        *a += b;
                    }
                    m.no_level += s.no_level;
                    if s.first_line < m.first_line {
                        m.first_line = s.first_line;
                        m.example = s.example;
                    }
                    m.last_line = m.last_line.max(s.last_line);
                    for (a, b) in m.buckets.iter_mut().zip(buckets) {
                        *a += b;
                    }
                }
                None => {
                    merged.insert(
                        final_id.clone(),
                        TemplateSeries {
                            id: final_id,
                            template: text,
                            count: s.count,
                            levels: s.levels,
                            no_level: s.no_level,
                            first_line: s.first_line,
                            last_line: s.last_line,
                            example: s.example,
                            buckets,
                        },
                    );
                }
            }
        }
        let mut templates: Vec<TemplateSeries> = merged.into_values().collect();
        templates.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        let mut traces: Vec<TraceSummary> = self.traces.into_values().collect();
        traces.sort_by(|a, b| {
            b.errors
                .cmp(&a.errors)
                .then_with(|| b.records.cmp(&a.records))
                .then_with(|| a.trace_id.cmp(&b.trace_id))
        });
        for t in &mut traces {
            t.events.sort_by_key(|e| (e.timestamp, e.line));
        }
        LogSummary {
            records: self.records,
            time_based,
            bucket_width: width,
            origin,
            buckets: len,
            templates,
            traces,
            traces_dropped: self.traces_dropped,
        }
    }
}

fn bump(v: &mut Vec<u32>, i: usize) {
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    v[i] = v[i].saturating_add(1);
}

fn halve(v: &mut Vec<u32>) {
    let merged: Vec<u32> = v
        .chunks(2)
        .map(|c| c.iter().fold(0u32, |a, &b| a.saturating_add(b)))
        .collect();
    *v = merged;
}

/// The trace id of a record: a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`) or one of the
/// configured fields.
pub fn trace_id_of(rec: &Record, fields: &[String]) -> Option<String> {
    if let Some(tp) = rec.field("traceparent") {
        let tp = tp.to_text();
        let parts: Vec<&str> = tp.split('-').collect();
        if parts.len() == 4
            && parts[1].len() == 32
            && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Some(parts[1].to_ascii_lowercase());
        }
    }
    fields.iter().find_map(|f| {
        let v = rec.field(f)?.to_text();
        let v = v.trim();
        (!v.is_empty() && v != "0" && !v.bytes().all(|b| b == b'0')).then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FieldValue;
    use crate::record::Record;

    fn rec(ts: Option<&str>, level: Option<Level>, fields: &[(&str, &str)]) -> Record {
        let mut r = Record::plain(0, "m");
        r.timestamp = ts.map(|t| t.parse().unwrap());
        r.level = level;
        for (k, v) in fields {
            r.fields.push(((*k).into(), FieldValue::Str((*v).into())));
        }
        r
    }

    #[test]
    fn series_are_bucketed_by_time_and_merged_ids_add_up() {
        let mut c = Collector::new(CollectorOptions::default());
        c.add(
            1,
            &rec(Some("2024-05-01T10:00:05Z"), Some(Level::Info), &[]),
            "A",
            || "a".into(),
        );
        c.add(
            2,
            &rec(Some("2024-05-01T10:00:50Z"), Some(Level::Error), &[]),
            "A",
            || "a".into(),
        );
        c.add(
            3,
            &rec(Some("2024-05-01T10:03:00Z"), None, &[]),
            "B",
            || "b".into(),
        );
        let s = c.finish(|id| (id == "B").then(|| ("A".to_string(), "a2".to_string())));
        assert!(s.time_based);
        assert_eq!(s.bucket_width, 60);
        assert_eq!(s.buckets, 3);
        assert_eq!(s.templates.len(), 1);
        let t = &s.templates[0];
        assert_eq!(t.count, 3);
        assert_eq!(t.buckets, vec![2, 0, 1]);
        assert_eq!(t.errors(), 1);
        assert_eq!(t.no_level, 1);
    }

    #[test]
    fn long_inputs_coarsen_buckets_instead_of_growing() {
        let mut c = Collector::new(CollectorOptions {
            bucket_lines: 1,
            ..CollectorOptions::default()
        });
        for line in 1..=10_000u64 {
            c.add(line, &Record::plain(line, "x"), "A", || "x".into());
        }
        let s = c.finish(|_| None);
        assert!(!s.time_based);
        assert!(s.buckets <= MAX_BUCKETS);
        assert_eq!(
            s.templates[0]
                .buckets
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>(),
            10_000
        );
        assert_eq!(s.bucket_width, 8);
    }

    #[test]
    fn a_full_trace_table_evicts_error_free_traces_first_in_constant_time() {
        let mut c = Collector::new(CollectorOptions {
            max_traces: 3,
            ..CollectorOptions::default()
        });
        let add = |c: &mut Collector, line: u64, id: &str, level: Level| {
            c.add(
                line,
                &rec(None, Some(level), &[("trace_id", id)]),
                "A",
                || "a".into(),
            );
        };
        add(&mut c, 1, "ok1", Level::Info);
        add(&mut c, 2, "bad1", Level::Error);
        add(&mut c, 3, "ok2", Level::Info);
        add(&mut c, 4, "bad2", Level::Error); // evicts ok1
        add(&mut c, 5, "bad3", Level::Error); // evicts ok2
        add(&mut c, 6, "bad4", Level::Error); // all kept traces have errors: dropped
        for i in 0..10_000 {
            add(&mut c, 7 + i, &format!("x{i}"), Level::Error);
        }
        let s = c.finish(|_| None);
        let mut ids: Vec<&str> = s.traces.iter().map(|t| t.trace_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec!["bad1", "bad2", "bad3"]);
        assert_eq!(s.traces_dropped, 10_003);
    }

    #[test]
    fn kept_messages_are_cut_on_a_char_boundary() {
        let long = "é".repeat(2000);
        let k = kept(&long);
        assert!(k.len() <= MAX_KEPT_MESSAGE + "…".len());
        assert!(k.ends_with('…'));
    }

    #[test]
    fn traces_collect_services_and_errors_from_w3c_and_otel_fields() {
        let mut c = Collector::new(CollectorOptions::default());
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        c.add(
            1,
            &rec(
                Some("2024-05-01T10:00:00Z"),
                Some(Level::Info),
                &[("traceparent", tp), ("service", "gateway")],
            ),
            "A",
            || "a".into(),
        );
        c.add(
            2,
            &rec(
                Some("2024-05-01T10:00:01Z"),
                Some(Level::Error),
                &[
                    ("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
                    ("service", "orders"),
                ],
            ),
            "B",
            || "b".into(),
        );
        c.add(
            3,
            &rec(None, Some(Level::Info), &[("trace_id", "ffff")]),
            "A",
            || "a".into(),
        );
        let s = c.finish(|_| None);
        assert_eq!(s.traces.len(), 2);
        let t = &s.traces[0];
        assert_eq!(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.errors, 1);
        assert_eq!(t.services, vec!["gateway", "orders"]);
        assert_eq!(t.events.len(), 2);
        assert_eq!(t.events[1].template_id, "B");
    }
}
