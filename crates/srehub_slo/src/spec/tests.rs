use super::*;

fn read_one(name: &str, text: &str) -> Result<Vec<ServiceSlos>, Vec<SpecError>> {
    read(&[SpecFile {
        name: name.into(),
        text: text.into(),
    }])
}

fn err(text: &str) -> SpecError {
    let mut e = read_one("s.yml", text).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    e.remove(0)
}

const V1: &str = r#"version: "prometheus/v1"
service: api
labels:
  team: core
slos:
  - name: availability
    objective: 99.9
    labels:
      tier: "1"
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{ .window }}]))
    alerting:
      name: ApiAvailability
      page_alert:
        labels: {severity: critical}
      ticket_alert:
        disable: true
"#;

#[test]
fn sloth_v1_is_read_and_normalized() {
    let s = read_one("api.yml", V1).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].kind, SpecKind::SlothV1);
    let slo = &s[0].slos[0];
    assert_eq!(slo.id, "api-availability");
    assert_eq!(slo.objective.to_string(), "99.9");
    assert_eq!(slo.budget().to_string(), "0.001");
    assert_eq!(slo.labels.get("team").map(String::as_str), Some("core"));
    assert_eq!(slo.labels.get("tier").map(String::as_str), Some("1"));
    assert_eq!(slo.pos.line, 6);
    assert_eq!(slo.window, Window::Rolling(Dur::days(30)));
    let Alerting::Mwmb { page, ticket, .. } = &slo.alerting else {
        panic!("{:?}", slo.alerting)
    };
    assert_eq!(page.as_ref().unwrap().labels["severity"], "critical");
    assert!(ticket.is_none(), "disabled");
}

#[test]
fn bad_specs_name_the_file_line_and_field() {
    let e = err(&V1.replace("objective: 99.9", "objective: 120"));
    assert_eq!(
        (e.pos.line, e.path.as_str()),
        (7, "slos[0].objective"),
        "{e}"
    );
    assert!(
        e.message.contains("objective 120 is not a percentage"),
        "{e}"
    );
    assert!(
        e.to_string().starts_with("s.yml:7:16: slos[0].objective:"),
        "{e}"
    );

    let e = err(&V1.replace("    labels:\n      tier", "    lables:\n      tier"));
    assert_eq!(e.pos.line, 8);
    assert!(e.message.contains("unknown field `lables`"), "{e}");
    assert!(e.message.contains("labels"), "{e}");

    let e = err(&V1.replace("objective: 99.9", "objective: 100"));
    assert!(e.message.contains("no error budget"), "{e}");
    let e = err(&V1.replace("objective: 99.9", "objective: lots"));
    assert!(e.message.contains("not a usable number"), "{e}");
    let e = err(&V1.replace("      events:", "      evnts:"));
    assert!(e.message.contains("unknown field `evnts`"), "{e}");
    let e = err(&V1.replace("{{.window}}", "{{.windw}}"));
    assert!(e.message.contains("template variable"), "{e}");
    let e = err(&V1.replace("  team: core", "  team-name: core"));
    assert!(
        e.message
            .contains("`team-name` is not a valid Prometheus label name"),
        "{e}"
    );
    let e = err("version: prometheus/v2\n");
    assert!(
        e.message
            .contains("unsupported spec version `prometheus/v2`"),
        "{e}"
    );
    let e = err("kind: Deployment\n");
    assert!(e.message.contains("not an SLO spec"), "{e}");
    let e = err("service: [unclosed\n");
    assert!(e.message.contains("not valid YAML"), "{e}");
    let e = err(&V1.replace(
        "      events:\n",
        "      plugin:\n        id: x\n      events:\n",
    ));
    assert!(e.message.contains("only one of"), "{e}");
}

#[test]
fn all_errors_are_reported_and_ids_are_unique() {
    let errors = read(&[
        SpecFile {
            name: "a.yml".into(),
            text: V1.into(),
        },
        SpecFile {
            name: "b.yml".into(),
            text: V1.into(),
        },
        SpecFile {
            name: "c.yml".into(),
            text: V1.replace("objective: 99.9", "objective: -1"),
        },
    ])
    .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.file == "c.yml"));
    assert!(
        errors
            .iter()
            .any(|e| e.file == "b.yml" && e.message.contains("also defined at a.yml:6"))
    );
}

const CRD: &str = r#"apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: api-slos
  namespace: prod
spec:
  service: api
  slos:
    - name: availability
      objective: 99.5
      sli:
        raw:
          errorRatioQuery: sum(rate(errors[{{.window}}])) / sum(rate(requests[{{.window}}]))
      alerting:
        name: ApiAvailability
        pageAlert:
          labels: {severity: critical}
"#;

#[test]
fn the_sloth_resource_uses_camel_case() {
    let s = read_one("crd.yml", CRD).unwrap();
    assert_eq!(s[0].kind, SpecKind::SlothCrd);
    assert_eq!(
        s[0].k8s.as_ref().unwrap().namespace.as_deref(),
        Some("prod")
    );
    assert!(matches!(s[0].slos[0].sli, Sli::Raw { .. }));
    let e = err(&CRD.replace("errorRatioQuery", "error_ratio_query"));
    assert!(
        e.message
            .contains("missing required field `errorRatioQuery` (found `error_ratio_query`"),
        "{e}"
    );
}

const OPENSLO: &str = r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout
spec:
  service: shop
  indicatorRef: good-checkouts
  timeWindow:
    - duration: 1M
      calendar:
        startTime: "2024-01-01 00:00:00"
        timeZone: Europe/Berlin
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
  alertPolicies:
    - alertPolicyRef: fast
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: good-checkouts
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec:
          query: checkouts_total{result="ok"}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: checkouts_total
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: fast
spec:
  conditions:
    - conditionRef: burn-1h
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: burn-1h
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 5m
"#;

#[test]
fn openslo_documents_reference_each_other() {
    let s = read_one("o.yml", OPENSLO).unwrap();
    let slo = &s[0].slos[0];
    assert_eq!(slo.id, "shop-checkout");
    assert_eq!(slo.objective.to_string(), "99.5");
    assert_eq!(
        slo.window,
        Window::Calendar {
            unit: CalendarUnit::Month,
            time_zone: Some("Europe/Berlin".into())
        }
    );
    assert_eq!(
        slo.sli,
        Sli::Good {
            good: r#"sum(rate(checkouts_total{result="ok"}[{{.window}}]))"#.into(),
            total: "sum(rate(checkouts_total[{{.window}}]))".into()
        }
    );
    let Alerting::Policies(p) = &slo.alerting else {
        panic!()
    };
    assert_eq!(p[0].severity, "page");
    assert_eq!(p[0].conditions[0].short, Dur(300));
    assert_eq!(p[0].conditions[0].alert_after, Some(Dur(300)));

    let e = err(&OPENSLO.replace("indicatorRef: good-checkouts", "indicatorRef: nope"));
    assert!(e.message.contains("no SLI named `nope`"), "{e}");
    assert_eq!(e.pos.line, 7);
    let e = err(&OPENSLO.replace(
        "budgetingMethod: Occurrences",
        "budgetingMethod: Timeslices",
    ));
    assert!(e.message.contains("Timeslices"), "{e}");
    let e = err(&OPENSLO.replace("target: 0.995", "target: 99.5"));
    assert!(e.message.contains("between 0 and 1"), "{e}");
    let e = err(&OPENSLO.replace("query: checkouts_total\n", "query: sum(checkouts_total)\n"));
    assert!(e.message.contains("{{.window}}"), "{e}");
    let e = err(&OPENSLO.replace(
        "type: Prometheus\n        spec:\n          query: checkouts_total\n",
        "type: Datadog\n        spec:\n          query: checkouts_total\n",
    ));
    assert!(e.message.contains("Datadog"), "{e}");
}
