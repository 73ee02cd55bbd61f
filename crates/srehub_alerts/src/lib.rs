//! Why is on-call noisy? A pure analysis of an [`AlertHistory`]: firing episodes per alert instance
//! (from raw `ALERTS` samples), flapping (Nagios' weighted state change with hysteresis), alerts that
//! fire together (Jaccard and lift over time buckets, clustered), when alerts fire (hour × weekday),
//! alerts that resolve by themselves, rules that never fire (and whether their metrics exist), rules
//! only ever pending, rules without severity or runbook, and recommendations with their evidence:
//! the `for:` that would have suppressed most self-resolving episodes, `keep_firing_for` for
//! flappers, and a signal-to-noise score to pick the rules to review first.

pub mod correlation;
pub mod episodes;
pub mod flapping;
pub mod promql;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;
use srehub_model::metrics::{AlertHistory, Labels, RuleKind};

pub use correlation::Correlation;
pub use episodes::Episode;
pub use flapping::Flapping;

/// Settings of an analysis.
#[derive(Debug, Clone)]
pub struct Options {
    /// Episodes at most this long are counted as self-resolving.
    pub self_resolve_ms: i64,
    /// Flapping thresholds (percent state change).
    pub flap_low: f64,
    pub flap_high: f64,
    /// Correlation buckets.
    pub bucket_ms: i64,
    pub min_jaccard: f64,
    /// Alerts with fewer episodes are not correlated.
    pub min_episodes: u32,
    /// Share of a rule's episodes a `for:` must suppress to be recommended.
    pub for_target: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            self_resolve_ms: 10 * 60_000,
            flap_low: 5.0,
            flap_high: 20.0,
            bucket_ms: 5 * 60_000,
            min_jaccard: 0.5,
            min_episodes: 3,
            for_target: 0.8,
        }
    }
}

/// One alert instance (a label set) over the window.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub alertname: String,
    pub labels: Labels,
    pub episodes: Vec<Episode>,
    pub firing_ms: i64,
    pub self_resolving: u32,
    pub flapping: Flapping,
}

/// `for:` that would have helped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForAdvice {
    pub current_s: u64,
    pub recommended_s: u64,
    /// Self-resolving episodes it would have suppressed, of all self-resolving ones.
    pub suppressed: u32,
    pub self_resolving: u32,
    /// Episodes that would still fire, each later by `recommended_s - current_s`.
    pub delayed: u32,
}

/// Everything about one alert name (a rule).
#[derive(Debug, Clone, Serialize)]
pub struct RuleStats {
    pub alertname: String,
    pub instances: u32,
    pub episodes: u32,
    pub firing_ms: i64,
    pub median_episode_ms: i64,
    pub self_resolving: u32,
    pub flapping_instances: u32,
    /// Median time from becoming active (pending) to firing, from `ALERTS_FOR_STATE`, when known.
    pub median_pending_ms: Option<i64>,
    /// The label set with the most episodes, and how many.
    pub noisiest_instance: Option<(Labels, u32)>,
    /// 0–100: share of episodes that lasted longer than the self-resolve limit and were not part of
    /// flapping. Low scores with many episodes are the rules to review first.
    pub score: u8,
    pub for_advice: Option<ForAdvice>,
    /// `keep_firing_for` that would merge the flaps of its instances (p90 of the gaps between
    /// episodes, rounded up), and the share of episodes it would merge.
    pub keep_firing_for_s: Option<(u64, f64)>,
    /// The UTC hour most episodes start in, when at least 60 % of at least 5 do.
    pub daily_hour: Option<(u8, f64)>,
    /// Severity label and runbook annotation of its rule, when the rule is known.
    pub severity: Option<String>,
    pub runbook: Option<String>,
}

/// A group of alerts that fire together, with a suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub alertnames: Vec<String>,
    /// Label names every instance of every member has (`group_by` candidates; per-instance and
    /// severity labels left out).
    pub common_labels: Vec<String>,
    /// Label names with the same value on every instance of every member (an inhibit rule's
    /// `equal`).
    pub equal_labels: Vec<String>,
    /// `(inhibited, by)`: an alert that almost only fires while another does.
    pub inhibit: Vec<(String, String)>,
}

/// An alerting rule that did not fire in the window.
#[derive(Debug, Clone, Serialize)]
pub struct DeadRule {
    pub alertname: String,
    pub group: String,
    pub file: String,
    /// Metrics the expression reads that do not exist (when the metric names are known).
    pub missing_metrics: Vec<String>,
    /// It was pending at some point but never fired.
    pub pending_only: bool,
}

/// A rule without the labels and annotations on-call needs.
#[derive(Debug, Clone, Serialize)]
pub struct UnlabeledRule {
    pub alertname: String,
    pub file: String,
    pub missing: Vec<&'static str>,
}

/// The analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub start_ms: i64,
    pub end_ms: i64,
    pub interval_ms: i64,
    pub samples: u64,
    pub instances: Vec<Instance>,
    /// Noisiest first (episodes, then firing time).
    pub rules: Vec<RuleStats>,
    pub correlations: Vec<Correlation>,
    pub clusters: Vec<Cluster>,
    pub dead_rules: Vec<DeadRule>,
    /// Alert names seen pending but never firing (also when their rule is unknown).
    pub pending_only: Vec<String>,
    pub unlabeled: Vec<UnlabeledRule>,
    /// Episode starts by weekday (Monday first) and UTC hour.
    pub heatmap: [[u32; 24]; 7],
}

/// Labels that identify one instance or a severity: never suggested as a grouping.
const NOT_GROUPING: &[&str] = &[
    "alertname",
    "severity",
    "instance",
    "pod",
    "container",
    "job",
];

const FOR_CANDIDATES_S: [u64; 9] = [60, 120, 180, 300, 600, 900, 1200, 1800, 3600];
const KEEP_CANDIDATES_S: [u64; 8] = [60, 120, 300, 600, 900, 1200, 1800, 3600];

fn instance_labels(labels: &Labels) -> (String, Labels) {
    let mut l = labels.clone();
    l.remove("__name__");
    l.remove("alertstate");
    (l.get("alertname").cloned().unwrap_or_default(), l)
}

pub fn analyze(h: &AlertHistory, opts: &Options) -> Analysis {
    let interval = episodes::interval_ms(h.firing.iter().map(|s| s.samples.as_slice()));
    let samples = h.firing.iter().map(|s| s.samples.len() as u64).sum();
    // Instances (the same label set may come in several series, e.g. split by chunking).
    let mut by_labels: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    for s in &h.firing {
        let (_, l) = instance_labels(&s.labels);
        by_labels
            .entry(l)
            .or_default()
            .extend_from_slice(&s.samples);
    }
    for samples in by_labels.values_mut() {
        samples.sort_by_key(|p| p.0);
        samples.dedup_by_key(|p| p.0);
    }
    // Rule groups evaluate at their own intervals: each alert name gets the median spacing of its
    // own samples (the global one when it has too few).
    let mut per_name: BTreeMap<&str, Vec<&[(i64, f64)]>> = BTreeMap::new();
    for (labels, samples) in &by_labels {
        per_name
            .entry(labels.get("alertname").map_or("", String::as_str))
            .or_default()
            .push(samples);
    }
    let name_interval: BTreeMap<String, i64> = per_name
        .into_iter()
        .map(|(name, series)| {
            let pairs: usize = series.iter().map(|s| s.len().saturating_sub(1)).sum();
            let iv = if pairs >= 3 {
                episodes::interval_ms(series.into_iter())
            } else {
                interval
            };
            (name.to_string(), iv)
        })
        .collect();
    let mut instances: Vec<Instance> = by_labels
        .into_iter()
        .map(|(labels, samples)| {
            let interval = name_interval
                .get(labels.get("alertname").map_or("", String::as_str))
                .copied()
                .unwrap_or(interval);
            let eps = episodes::episodes(&samples, interval, h.end_ms);
            let firing_ms = eps.iter().map(Episode::duration_ms).sum();
            let self_resolving = eps
                .iter()
                .filter(|e| !e.open && e.duration_ms() <= opts.self_resolve_ms)
                .count() as u32;
            let flapping =
                flapping::flapping(&eps, h.start_ms, interval, opts.flap_low, opts.flap_high);
            Instance {
                alertname: labels.get("alertname").cloned().unwrap_or_default(),
                labels,
                episodes: eps,
                firing_ms,
                self_resolving,
                flapping,
            }
        })
        .filter(|i| !i.episodes.is_empty())
        .collect();
    instances.sort_by(|a, b| a.alertname.cmp(&b.alertname).then(a.labels.cmp(&b.labels)));

    // Rules from the API or files.
    let mut rule_info: BTreeMap<&str, (&srehub_model::metrics::Rule, &str, &str)> = BTreeMap::new();
    for g in h.rules.iter().flatten() {
        for r in &g.rules {
            if r.kind == RuleKind::Alerting {
                rule_info
                    .entry(r.name.as_str())
                    .or_insert((r, g.name.as_str(), g.file.as_str()));
            }
        }
    }

    let mut heatmap = [[0u32; 24]; 7];
    let mut per_rule: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
    for i in &instances {
        per_rule.entry(i.alertname.as_str()).or_default().push(i);
        for e in &i.episodes {
            if let Ok(t) = Timestamp::from_millisecond(e.start_ms) {
                let z = t.to_zoned(jiff::tz::TimeZone::UTC);
                let wd = z.weekday().to_monday_zero_offset() as usize;
                heatmap[wd][z.hour() as usize] += 1;
            }
        }
    }

    // When each active alert became active, by label set (ALERTS_FOR_STATE's value, in seconds).
    let mut active_since: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    for s in &h.for_state {
        let (_, l) = instance_labels(&s.labels);
        active_since
            .entry(l)
            .or_default()
            .extend_from_slice(&s.samples);
    }
    for v in active_since.values_mut() {
        v.sort_by_key(|p| p.0);
    }
    let mut rules: Vec<RuleStats> = per_rule
        .iter()
        .map(|(name, insts)| {
            let mut st = rule_stats(name, insts, rule_info.get(name).map(|r| r.0), opts);
            let mut pend: Vec<i64> = insts
                .iter()
                .filter_map(|i| active_since.get(&i.labels).map(|s| (i, s)))
                .flat_map(|(i, s)| {
                    i.episodes.iter().filter_map(move |e| {
                        // The sample at the episode's first firing evaluation.
                        let k = s.partition_point(|p| p.0 < e.start_ms);
                        let (t, v) = *s.get(k)?;
                        (t - e.start_ms <= interval && v.is_finite())
                            .then(|| e.start_ms - (v * 1000.0) as i64)
                            .filter(|d| *d >= 0)
                    })
                })
                .collect();
            pend.sort_unstable();
            st.median_pending_ms = pend.get(pend.len() / 2).copied();
            st
        })
        .collect();
    rules.sort_by(|a, b| {
        b.episodes
            .cmp(&a.episodes)
            .then(b.firing_ms.cmp(&a.firing_ms))
            .then(a.alertname.cmp(&b.alertname))
    });

    // Correlation over time buckets, per alert name.
    let n_buckets =
        usize::try_from((h.end_ms - h.start_ms).max(0) / opts.bucket_ms.max(1) + 1).unwrap_or(1);
    let mut names = Vec::new();
    let mut sets = Vec::new();
    for r in rules.iter().filter(|r| r.episodes >= opts.min_episodes) {
        let mut b = correlation::Buckets::new(n_buckets);
        for i in &per_rule[r.alertname.as_str()] {
            for e in &i.episodes {
                let from = ((e.start_ms - h.start_ms).max(0) / opts.bucket_ms) as usize;
                let to = ((e.end_ms - 1 - h.start_ms).max(0) / opts.bucket_ms) as usize;
                b.set_range(from, to.max(from));
            }
        }
        names.push(r.alertname.clone());
        sets.push(b);
    }
    let correlations = correlation::correlate(&names, &sets, n_buckets, opts.min_jaccard, 3);
    let clusters = correlation::clusters(&correlations)
        .into_iter()
        .map(|members| {
            // Label names every instance has (to group by; per-instance labels left out), and
            // label pairs with the same value everywhere (for an inhibit rule's `equal`).
            let mut common: Option<BTreeSet<&str>> = None;
            let mut same: Option<BTreeSet<(&str, &str)>> = None;
            for m in &members {
                for i in &per_rule[m.as_str()] {
                    let keys: BTreeSet<&str> = i
                        .labels
                        .keys()
                        .map(String::as_str)
                        .filter(|k| !NOT_GROUPING.contains(k))
                        .collect();
                    let pairs: BTreeSet<(&str, &str)> = i
                        .labels
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .filter(|(k, _)| !matches!(*k, "alertname" | "severity"))
                        .collect();
                    common = Some(match common {
                        None => keys,
                        Some(c) => c.intersection(&keys).copied().collect(),
                    });
                    same = Some(match same {
                        None => pairs,
                        Some(c) => c.intersection(&pairs).copied().collect(),
                    });
                }
            }
            let inhibit = correlations
                .iter()
                .filter(|c| members.contains(&c.a) && members.contains(&c.b))
                .filter_map(|c| {
                    if c.a_within_b >= 0.9 && c.b_within_a < 0.9 {
                        Some((c.a.clone(), c.b.clone()))
                    } else if c.b_within_a >= 0.9 && c.a_within_b < 0.9 {
                        Some((c.b.clone(), c.a.clone()))
                    } else {
                        None
                    }
                })
                .collect();
            Cluster {
                equal_labels: same
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, _)| k.to_string())
                    .collect(),
                common_labels: common
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                alertnames: members,
                inhibit,
            }
        })
        .collect();

    // Rules that did not fire; rules only pending; rules missing labels.
    let fired: BTreeSet<&str> = per_rule.keys().copied().collect();
    let pending: BTreeSet<String> = h
        .pending
        .iter()
        .filter(|s| !s.samples.is_empty())
        .map(|s| instance_labels(&s.labels).0)
        .collect();
    let metrics: Option<BTreeSet<&str>> = h
        .metric_names
        .as_ref()
        .map(|m| m.iter().map(String::as_str).collect());
    let dead_rules = rule_info
        .iter()
        .filter(|(name, _)| !fired.contains(*name))
        .map(|(name, (rule, group, file))| DeadRule {
            alertname: (*name).to_string(),
            group: (*group).to_string(),
            file: (*file).to_string(),
            missing_metrics: match &metrics {
                Some(m) => promql::metric_names(&rule.query)
                    .into_iter()
                    .filter(|x| !m.contains(x.as_str()))
                    .collect(),
                None => Vec::new(),
            },
            pending_only: pending.contains(*name),
        })
        .collect();
    let pending_only = pending
        .iter()
        .filter(|p| !fired.contains(p.as_str()))
        .cloned()
        .collect();
    let unlabeled = rule_info
        .iter()
        .filter_map(|(name, (rule, _, file))| {
            let mut missing = Vec::new();
            if !rule.labels.contains_key("severity") {
                missing.push("severity label");
            }
            if !rule
                .annotations
                .keys()
                .any(|k| matches!(k.as_str(), "runbook_url" | "runbook"))
            {
                missing.push("runbook_url annotation");
            }
            (!missing.is_empty()).then(|| UnlabeledRule {
                alertname: (*name).to_string(),
                file: (*file).to_string(),
                missing,
            })
        })
        .collect();
    Analysis {
        start_ms: h.start_ms,
        end_ms: h.end_ms,
        interval_ms: interval,
        samples,
        instances,
        rules,
        correlations,
        clusters,
        dead_rules,
        pending_only,
        unlabeled,
        heatmap,
    }
}

fn rule_stats(
    name: &str,
    insts: &[&Instance],
    rule: Option<&srehub_model::metrics::Rule>,
    opts: &Options,
) -> RuleStats {
    let mut durations: Vec<i64> = insts
        .iter()
        .flat_map(|i| i.episodes.iter().map(Episode::duration_ms))
        .collect();
    durations.sort_unstable();
    let episodes = durations.len() as u32;
    let self_resolving: u32 = insts.iter().map(|i| i.self_resolving).sum();
    let flapping_instances = insts.iter().filter(|i| i.flapping.periods > 0).count() as u32;
    // Actionable: longer than the self-resolve limit, on an instance that was not flapping then.
    let actionable = insts
        .iter()
        .map(|i| {
            if i.flapping.periods > 0 {
                0
            } else {
                i.episodes
                    .iter()
                    .filter(|e| e.open || e.duration_ms() > opts.self_resolve_ms)
                    .count()
            }
        })
        .sum::<usize>();
    let score = if episodes == 0 {
        100
    } else {
        (actionable as f64 * 100.0 / f64::from(episodes)).round() as u8
    };
    let current_s = rule.map_or(0, |r| r.duration.max(0.0) as u64);
    let short: Vec<i64> = insts
        .iter()
        .flat_map(|i| {
            i.episodes
                .iter()
                .filter(|e| !e.open && e.duration_ms() <= opts.self_resolve_ms)
                .map(Episode::duration_ms)
        })
        .collect();
    let for_advice = (short.len() >= 3)
        .then(|| {
            FOR_CANDIDATES_S
                .iter()
                .filter(|c| **c > current_s)
                .find_map(|&c| {
                    let extra = i64::try_from((c - current_s) * 1000).unwrap_or(i64::MAX);
                    let suppressed = short.iter().filter(|d| **d < extra).count() as u32;
                    (f64::from(suppressed) >= opts.for_target * short.len() as f64).then(|| {
                        ForAdvice {
                            current_s,
                            recommended_s: c,
                            suppressed,
                            self_resolving: short.len() as u32,
                            delayed: durations.iter().filter(|d| **d >= extra).count() as u32,
                        }
                    })
                })
        })
        .flatten();
    // Gaps between consecutive episodes of flapping instances.
    let mut gaps: Vec<i64> = insts
        .iter()
        .filter(|i| i.flapping.periods > 0)
        .flat_map(|i| i.episodes.windows(2).map(|w| w[1].start_ms - w[0].end_ms))
        .collect();
    gaps.sort_unstable();
    let keep_firing_for_s = (!gaps.is_empty())
        .then(|| {
            let p90 = gaps[(gaps.len() * 9 / 10).min(gaps.len() - 1)];
            KEEP_CANDIDATES_S
                .iter()
                .find(|c| i64::try_from(**c * 1000).unwrap_or(i64::MAX) >= p90)
                .map(|&c| {
                    let merged = gaps
                        .iter()
                        .filter(|g| **g <= i64::try_from(c * 1000).unwrap_or(0))
                        .count();
                    (c, merged as f64 / f64::from(episodes.max(1)))
                })
        })
        .flatten();
    let mut hours = [0u32; 24];
    for i in insts {
        for e in &i.episodes {
            if let Ok(t) = Timestamp::from_millisecond(e.start_ms) {
                hours[t.to_zoned(jiff::tz::TimeZone::UTC).hour() as usize] += 1;
            }
        }
    }
    let (best_hour, best) = hours
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| **n)
        .map_or((0, 0), |(h, n)| (h, *n));
    let daily_hour = (episodes >= 5 && f64::from(best) >= 0.6 * f64::from(episodes))
        .then(|| (best_hour as u8, f64::from(best) / f64::from(episodes)));
    RuleStats {
        alertname: name.to_string(),
        instances: insts.len() as u32,
        episodes,
        firing_ms: insts.iter().map(|i| i.firing_ms).sum(),
        median_episode_ms: durations.get(durations.len() / 2).copied().unwrap_or(0),
        self_resolving,
        flapping_instances,
        median_pending_ms: None,
        noisiest_instance: insts
            .iter()
            .max_by_key(|i| (i.episodes.len(), std::cmp::Reverse(i.labels.clone())))
            .map(|i| (i.labels.clone(), i.episodes.len() as u32)),
        score,
        for_advice,
        keep_firing_for_s,
        daily_hour,
        severity: rule.and_then(|r| r.labels.get("severity").cloned()),
        runbook: rule.and_then(|r| {
            r.annotations
                .get("runbook_url")
                .or_else(|| r.annotations.get("runbook"))
                .cloned()
        }),
    }
}

#[cfg(test)]
mod tests;
