use srehub_model::metrics::{Rule, RuleGroup, Series};

use super::*;

const MIN: i64 = 60_000;
/// Monday 2026-11-02 00:00 UTC.
const T0: i64 = 1_793_577_600_000;

fn series(alertname: &str, extra: &[(&str, &str)], minutes: impl Iterator<Item = i64>) -> Series {
    let mut labels: Labels = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.insert("__name__".into(), "ALERTS".into());
    labels.insert("alertname".into(), alertname.into());
    labels.insert("alertstate".into(), "firing".into());
    Series {
        labels,
        samples: minutes.map(|m| (T0 + m * MIN, 1.0)).collect(),
    }
}

fn rule(name: &str, query: &str, for_s: f64, labels: &[(&str, &str)], runbook: bool) -> Rule {
    Rule {
        name: name.into(),
        kind: RuleKind::Alerting,
        query: query.into(),
        duration: for_s,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: if runbook {
            [("runbook_url".to_string(), "https://runbooks/x".to_string())].into()
        } else {
            Labels::new()
        },
        health: "ok".into(),
        alerts: vec![],
    }
}

fn history() -> AlertHistory {
    let week = 7 * 1440;
    let firing = vec![
        // Noisy and self-resolving: 3-minute episodes every 5 hours.
        series(
            "HighLatency",
            &[("service", "api")],
            (0..33).flat_map(|k| (0..3).map(move |m| k * 300 + m)),
        ),
        // Flapping: up 2 minutes, down 2 minutes, for two hours on day 2.
        series(
            "Flappy",
            &[("instance", "b")],
            (0..30).flat_map(|k| (0..2).map(move |m| 2880 + k * 4 + m)),
        ),
        // Correlated: the database goes down for 40 minutes daily at 10:00; API errors fire inside.
        series(
            "DBDown",
            &[
                ("service", "db"),
                ("team", "data"),
                ("cluster", "eu1"),
                ("severity", "page"),
            ],
            (0..7).flat_map(|d| (0..40).map(move |m| d * 1440 + 600 + m)),
        ),
        series(
            "APIErrors",
            &[
                ("service", "api"),
                ("team", "web"),
                ("cluster", "eu1"),
                ("severity", "ticket"),
            ],
            (0..7).flat_map(|d| (5..35).map(move |m| d * 1440 + 600 + m)),
        ),
        // Daily at 02:00 for 20 minutes (a backup job).
        series(
            "BackupSlow",
            &[],
            (0..7).flat_map(|d| (0..20).map(move |m| d * 1440 + 120 + m)),
        ),
    ];
    // HighLatency became active one minute before each firing episode.
    let mut for_state = series("HighLatency", &[("service", "api")], 0..0);
    for_state
        .labels
        .insert("__name__".into(), "ALERTS_FOR_STATE".into());
    for_state.labels.remove("alertstate");
    for_state.samples = (0..33)
        .flat_map(|k| {
            let active = (T0 + k * 300 * MIN - MIN) as f64 / 1000.0;
            (0..3).map(move |m| (T0 + (k * 300 + m) * MIN, active))
        })
        .collect();
    let mut pending = series("SlowQueries", &[], 100..104);
    pending.labels.insert("alertstate".into(), "pending".into());
    AlertHistory {
        start_ms: T0,
        end_ms: T0 + week * MIN,
        firing,
        pending: vec![pending],
        for_state: vec![for_state],
        rules: Some(vec![RuleGroup {
            name: "app".into(),
            file: "/etc/prometheus/rules/app.yml".into(),
            rules: vec![
                rule(
                    "HighLatency",
                    "histogram_quantile(0.99, rate(lat_bucket[5m])) > 1",
                    60.0,
                    &[("severity", "page")],
                    true,
                ),
                rule(
                    "NeverFires",
                    "rate(missing_metric_total[5m]) > 0",
                    0.0,
                    &[("severity", "ticket")],
                    true,
                ),
                rule("SlowQueries", "pg_slow_queries > 10", 300.0, &[], false),
                rule(
                    "DBDown",
                    "up{job=\"db\"} == 0",
                    0.0,
                    &[("severity", "page")],
                    true,
                ),
            ],
        }]),
        metric_names: Some(vec![
            "lat_bucket".into(),
            "up".into(),
            "pg_slow_queries".into(),
        ]),
        alertmanager: None,
    }
}

#[test]
fn noisy_flapping_correlated_daily_dead_and_unlabeled_alerts_are_found() {
    let a = analyze(&history(), &Options::default());
    assert_eq!(a.interval_ms, MIN);
    let r = |n: &str| a.rules.iter().find(|r| r.alertname == n).unwrap();

    let noisy = r("HighLatency");
    assert_eq!(a.rules[0].alertname, "HighLatency", "noisiest first");
    assert_eq!((noisy.episodes, noisy.self_resolving), (33, 33));
    assert_eq!(noisy.median_episode_ms, 3 * MIN);
    assert_eq!(noisy.median_pending_ms, Some(MIN));
    assert_eq!(noisy.noisiest_instance.as_ref().unwrap().1, 33);
    assert_eq!(noisy.score, 0);
    let f = noisy.for_advice.unwrap();
    // for: 1m now; 5m would have needed 3+ more minutes than these 3-minute episodes lasted.
    assert_eq!(
        (f.current_s, f.recommended_s, f.suppressed, f.self_resolving),
        (60, 300, 33, 33)
    );
    assert_eq!(f.delayed, 0);

    let flappy = r("Flappy");
    assert_eq!(flappy.flapping_instances, 1);
    assert_eq!(flappy.episodes, 30);
    let (keep, merged) = flappy.keep_firing_for_s.unwrap();
    assert_eq!(keep, 120);
    assert!(merged > 0.9, "{merged}");
    let inst = a
        .instances
        .iter()
        .find(|i| i.alertname == "Flappy")
        .unwrap();
    assert!(inst.flapping.max_percent >= 45.0, "{:?}", inst.flapping);

    assert_eq!(a.correlations.len(), 1, "{:?}", a.correlations);
    let c = &a.correlations[0];
    assert_eq!((c.a.as_str(), c.b.as_str()), ("APIErrors", "DBDown"));
    assert!(c.lift > 20.0, "{c:?}");
    assert_eq!(a.clusters.len(), 1);
    assert_eq!(a.clusters[0].common_labels, ["cluster", "service", "team"]);
    // Only `cluster` has the same value on both: an inhibit rule may require it equal.
    assert_eq!(a.clusters[0].equal_labels, ["cluster"]);
    assert_eq!(
        a.clusters[0].inhibit,
        [("APIErrors".to_string(), "DBDown".to_string())]
    );

    assert_eq!(r("BackupSlow").daily_hour, Some((2, 1.0)));
    assert_eq!(r("DBDown").daily_hour, Some((10, 1.0)));
    assert!(r("HighLatency").daily_hour.is_none());
    // 33 + 30 + 7 + 7 + 7 episodes; 7 backups start at 02:00 on seven weekdays.
    assert_eq!(a.heatmap.iter().flatten().sum::<u32>(), 84);
    assert!(a.heatmap.iter().all(|day| day[2] >= 1));

    let dead: Vec<(&str, &[String], bool)> = a
        .dead_rules
        .iter()
        .map(|d| {
            (
                d.alertname.as_str(),
                d.missing_metrics.as_slice(),
                d.pending_only,
            )
        })
        .collect();
    assert_eq!(
        dead,
        [
            (
                "NeverFires",
                &["missing_metric_total".to_string()][..],
                false
            ),
            ("SlowQueries", &[][..], true)
        ]
    );
    assert_eq!(a.pending_only, ["SlowQueries"]);
    assert_eq!(a.unlabeled.len(), 1);
    assert_eq!(a.unlabeled[0].alertname, "SlowQueries");
    assert_eq!(
        a.unlabeled[0].missing,
        ["severity label", "runbook_url annotation"]
    );
}

#[test]
fn an_empty_history_is_an_empty_analysis() {
    let a = analyze(&AlertHistory::default(), &Options::default());
    assert!(a.rules.is_empty() && a.instances.is_empty() && a.correlations.is_empty());
    assert_eq!(a.interval_ms, 60_000);
}

#[test]
fn each_alert_keeps_its_own_evaluation_interval() {
    // Two rules every 30 s and one every minute: the minute rule is one episode, not one per sample.
    let mut h = AlertHistory {
        start_ms: T0,
        end_ms: T0 + 1440 * MIN,
        ..AlertHistory::default()
    };
    for name in ["Fast1", "Fast2"] {
        let mut s = series(name, &[], 0..0);
        s.samples = (0..200).map(|k| (T0 + k * 30_000, 1.0)).collect();
        h.firing.push(s);
    }
    h.firing.push(series("Slow", &[], 0..60));
    let a = analyze(&h, &Options::default());
    assert_eq!(a.interval_ms, 30_000);
    let slow = a.rules.iter().find(|r| r.alertname == "Slow").unwrap();
    assert_eq!((slow.episodes, slow.flapping_instances), (1, 0));
}
