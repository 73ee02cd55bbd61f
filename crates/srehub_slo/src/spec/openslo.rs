//! OpenSLO v1: `SLO` (inline `indicator` or `indicatorRef`; `timeWindow` rolling or calendar;
//! `budgetingMethod: Occurrences`; `objectives` with `target` or `targetPercent`; `alertPolicies`
//! inline or by `alertPolicyRef`), `SLI` (`ratioMetric` with `good` or `bad` and `total`, or `raw`, on a
//! Prometheus `metricSource`), `AlertPolicy` and `AlertCondition` (`burnrate`). `Service` and
//! `DataSource` documents are accepted and not needed. Documents may reference each other across files.

use std::collections::BTreeMap;

use srehub_model::yaml::Pos;

use super::decode::{At, SpecError};
use super::{
    Alerting, BurnCondition, CalendarUnit, Dur, Policy, ServiceSlos, Sli, Slo, SpecKind, WINDOW,
    WINDOW_SPACED, Window, check_slo,
};
use crate::ratio::Ratio;

#[derive(Debug, Clone)]
struct Loc {
    file: String,
    pos: Pos,
    path: String,
}

impl Loc {
    fn of(at: &At<'_>) -> Loc {
        Loc {
            file: at.file.to_string(),
            pos: at.pos(),
            path: at.path().to_string(),
        }
    }

    fn error(&self, message: impl Into<String>) -> SpecError {
        SpecError {
            file: self.file.clone(),
            pos: self.pos,
            path: self.path.clone(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone)]
enum Ref<T> {
    Inline(T),
    Named(String, Loc),
}

#[derive(Debug, Clone)]
struct PolicyDraft {
    name: String,
    description: Option<String>,
    conditions: Vec<Ref<(String, BurnCondition)>>,
}

#[derive(Debug, Clone)]
struct SloDraft {
    slo: Slo,
    indicator: Ref<Sli>,
    policies: Vec<Ref<PolicyDraft>>,
    loc: Loc,
}

/// Gathers OpenSLO documents from every file, then resolves references.
#[derive(Default)]
pub(super) struct Collector {
    slos: Vec<SloDraft>,
    slis: BTreeMap<String, Sli>,
    policies: BTreeMap<String, PolicyDraft>,
    conditions: BTreeMap<String, (String, BurnCondition)>,
    /// Documents that failed to read (their errors are reported; references to them are not).
    failed: std::collections::BTreeSet<String>,
}

impl Collector {
    pub(super) fn add(&mut self, at: &At<'_>) -> Result<(), SpecError> {
        let mut f = at.fields()?;
        f.req("apiVersion")?;
        let kind_at = f.req("kind")?;
        let kind = kind_at.str()?;
        let meta = f.req("metadata")?;
        let spec = f.req("spec")?;
        f.done()?;
        let name = metadata_name(&meta)?;
        let result = self.add_kind(kind, &kind_at, &spec, &name);
        if result.is_err() {
            self.failed.insert(name);
        }
        result
    }

    fn add_kind(
        &mut self,
        kind: &str,
        kind_at: &At<'_>,
        spec: &At<'_>,
        name: &str,
    ) -> Result<(), SpecError> {
        let name = name.to_string();
        match kind {
            "SLO" => {
                let drafts = read_slo(spec, &name)?;
                self.slos.extend(drafts);
            }
            "SLI" => {
                let sli = read_sli(spec)?;
                self.slis.insert(name, sli);
            }
            "AlertPolicy" => {
                let p = read_policy(spec, name.clone())?;
                self.policies.insert(name, p);
            }
            "AlertCondition" => {
                let c = read_condition(spec)?;
                self.conditions.insert(name, c);
            }
            // Not needed to generate rules.
            "Service" | "DataSource" | "AlertNotificationTarget" => {}
            other => {
                return Err(kind_at.error(format!(
                    "unsupported OpenSLO kind `{other}` (SLO, SLI, AlertPolicy, AlertCondition, \
                     Service, DataSource, AlertNotificationTarget)"
                )));
            }
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Vec<ServiceSlos>, Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut by_service: BTreeMap<String, ServiceSlos> = BTreeMap::new();
        for d in self.slos {
            let sli = match d.indicator {
                Ref::Inline(s) => s,
                Ref::Named(n, loc) => match self.slis.get(&n) {
                    Some(s) => s.clone(),
                    None => {
                        if !self.failed.contains(&n) {
                            errors
                                .push(loc.error(format!("no SLI named `{n}` in the given files")));
                        }
                        continue;
                    }
                },
            };
            let mut policies = Vec::new();
            for p in d.policies {
                let draft = match p {
                    Ref::Inline(p) => p,
                    Ref::Named(n, loc) => match self.policies.get(&n) {
                        Some(p) => p.clone(),
                        None => {
                            if !self.failed.contains(&n) {
                                errors.push(loc.error(format!(
                                    "no AlertPolicy named `{n}` in the given files"
                                )));
                            }
                            continue;
                        }
                    },
                };
                let mut conditions = Vec::new();
                let mut severity = String::new();
                for c in draft.conditions {
                    match c {
                        Ref::Inline((sev, c)) => {
                            severity = sev;
                            conditions.push(c);
                        }
                        Ref::Named(n, loc) => match self.conditions.get(&n) {
                            Some((sev, c)) => {
                                severity.clone_from(sev);
                                conditions.push(c.clone());
                            }
                            None if self.failed.contains(&n) => {}
                            None => errors.push(loc.error(format!(
                                "no AlertCondition named `{n}` in the given files"
                            ))),
                        },
                    }
                }
                policies.push(Policy {
                    name: draft.name,
                    description: draft.description,
                    severity,
                    conditions,
                });
            }
            let mut slo = d.slo;
            slo.sli = sli;
            slo.alerting = if policies.is_empty() {
                // No policy: the workbook's page and ticket alerts, named after the SLO.
                Alerting::Mwmb {
                    name: format!("{}SLO", super::camel(&slo.id)),
                    labels: BTreeMap::new(),
                    annotations: BTreeMap::new(),
                    page: Some(Default::default()),
                    ticket: Some(Default::default()),
                }
            } else {
                Alerting::Policies(policies)
            };
            let entry = by_service
                .entry(slo.service.clone())
                .or_insert_with(|| ServiceSlos {
                    file: d.loc.file.clone(),
                    kind: SpecKind::OpenSlo,
                    service: slo.service.clone(),
                    k8s: None,
                    slos: Vec::new(),
                });
            entry.slos.push(slo);
        }
        if errors.is_empty() {
            Ok(by_service.into_values().collect())
        } else {
            Err(errors)
        }
    }
}

fn metadata_name(meta: &At<'_>) -> Result<String, SpecError> {
    let mut m = meta.fields()?;
    let name_at = m.req("name")?;
    let name = name_at.text()?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || name.len() > 63
    {
        return Err(name_at.error(format!(
            "`{name}` is not a valid name (at most 63 lowercase letters, digits and `-`)"
        )));
    }
    m.ignore(&["displayName", "labels", "annotations", "namespace"]);
    m.done()?;
    Ok(name)
}

fn read_slo(spec: &At<'_>, name: &str) -> Result<Vec<SloDraft>, SpecError> {
    let mut f = spec.fields()?;
    let description = f.opt("description").map(|d| d.text()).transpose()?;
    let service = f.req("service")?.text()?;
    let indicator = match (f.opt("indicator"), f.opt("indicatorRef")) {
        (Some(i), None) => {
            let mut inf = i.fields()?;
            let meta = inf.opt("metadata");
            if let Some(m) = meta {
                metadata_name(&m)?;
            }
            let s = inf.req("spec")?;
            inf.done()?;
            Ref::Inline(read_sli(&s)?)
        }
        (None, Some(r)) => Ref::Named(r.text()?, Loc::of(&r)),
        (None, None) => return Err(spec.error("one of `indicator` or `indicatorRef` is required")),
        (Some(_), Some(r)) => {
            return Err(r.error("only one of `indicator` or `indicatorRef` may be given"));
        }
    };
    let tw = f.req("timeWindow")?;
    let window = read_time_window(&tw)?;
    let bm = f.req("budgetingMethod")?;
    if bm.str()? != "Occurrences" {
        return Err(bm.error(format!(
            "budgetingMethod `{}` is not supported: srehub generates Occurrences (ratio of good to \
             total events) SLOs",
            bm.str()?
        )));
    }
    let objectives = f.req("objectives")?;
    let policies = match f.opt("alertPolicies") {
        Some(list) => list
            .items()?
            .iter()
            .map(read_policy_item)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    f.done()?;
    let items = objectives.items()?;
    if items.is_empty() {
        return Err(objectives.error("no objectives"));
    }
    let mut out = Vec::new();
    for (i, o) in items.iter().enumerate() {
        let mut of = o.fields()?;
        let display = of.opt("displayName").map(|d| d.text()).transpose()?;
        let target = match (of.opt("target"), of.opt("targetPercent")) {
            (Some(t), None) => {
                let v = t.number()?;
                if !(v.is_positive() && v < Ratio::ONE) {
                    return Err(t.error(format!(
                        "target {v} must be a ratio between 0 and 1 (exclusive); use targetPercent \
                         for percentages"
                    )));
                }
                (v.times(Ratio::int(100)), t)
            }
            (None, Some(t)) => (t.number()?, t),
            _ => return Err(o.error("exactly one of `target` or `targetPercent` is required")),
        };
        for unsupported in [
            "timeSliceTarget",
            "timeSliceWindow",
            "indicator",
            "indicatorRef",
        ] {
            if let Some(u) = of.opt(unsupported) {
                return Err(u.error(format!(
                    "`{unsupported}` in an objective is not supported (Occurrences SLOs with the \
                     SLO's indicator)"
                )));
            }
        }
        of.ignore(&["op", "value", "compositeWeight"]);
        of.done()?;
        let slo_name = if items.len() == 1 {
            name.to_string()
        } else {
            format!("{name}-{i}")
        };
        let mut labels = BTreeMap::new();
        if let Some(d) = &display {
            labels.insert("objective".to_string(), d.clone());
        }
        let slo = Slo {
            file: spec.file.to_string(),
            pos: o.pos(),
            id: format!("{service}-{slo_name}"),
            service: service.clone(),
            name: slo_name,
            description: description.clone(),
            objective: target.0,
            labels,
            sli: Sli::Raw {
                error_ratio: String::new(),
            },
            window: window.clone(),
            alerting: Alerting::None,
        };
        check_slo(&target.1, &slo)?;
        out.push(SloDraft {
            slo,
            indicator: indicator.clone(),
            policies: policies.clone(),
            loc: Loc::of(spec),
        });
    }
    Ok(out)
}

fn read_time_window(tw: &At<'_>) -> Result<Window, SpecError> {
    let items = tw.items()?;
    let [w] = items.as_slice() else {
        return Err(tw.error("exactly one time window is required"));
    };
    let mut f = w.fields()?;
    let d_at = f.req("duration")?;
    let d = d_at.str()?.trim().to_string();
    let rolling = f.opt("isRolling").map(|r| r.bool()).transpose()?;
    let calendar = f.opt("calendar");
    f.done()?;
    match (rolling, calendar) {
        (Some(true), None) | (None, None) => {
            let dur = Dur::parse(&d)
                .filter(|d| d.secs() >= 86_400)
                .ok_or_else(|| {
                    d_at.error(format!("`{d}` is not a rolling window such as 28d or 30d"))
                })?;
            Ok(Window::Rolling(dur))
        }
        (Some(false) | None, Some(c)) => {
            let mut cf = c.fields()?;
            cf.ignore(&["startTime"]);
            let time_zone = cf.opt("timeZone").map(|t| t.text()).transpose()?;
            cf.done()?;
            let unit = match d.as_str() {
                "1M" | "1month" => CalendarUnit::Month,
                "1w" | "7d" => CalendarUnit::Week,
                _ => {
                    return Err(d_at.error(format!(
                        "calendar window `{d}`: supported are 1M (a calendar month) and 1w"
                    )));
                }
            };
            Ok(Window::Calendar { unit, time_zone })
        }
        (Some(true), Some(c)) => Err(c.error("a rolling window has no calendar")),
        (Some(false), None) => Err(w.error("a calendar window needs `calendar`")),
    }
}

fn read_sli(spec: &At<'_>) -> Result<Sli, SpecError> {
    let mut f = spec.fields()?;
    f.ignore(&["description"]);
    if let Some(t) = f.opt("thresholdMetric") {
        return Err(t.error("thresholdMetric SLIs are not supported: use ratioMetric"));
    }
    let r = f.req("ratioMetric")?;
    f.done()?;
    let mut rf = r.fields()?;
    let counter = rf
        .opt("counter")
        .map(|c| c.bool())
        .transpose()?
        .unwrap_or(false);
    let good = rf.opt("good").map(|g| query(&g, counter)).transpose()?;
    let bad = rf.opt("bad").map(|b| query(&b, counter)).transpose()?;
    let total = rf.opt("total").map(|t| query(&t, counter)).transpose()?;
    let raw_type = rf.opt("rawType");
    let raw = rf.opt("raw");
    rf.done()?;
    match (good, bad, total, raw) {
        (Some(good), None, Some(total), None) => Ok(Sli::Good { good, total }),
        (None, Some(error), Some(total), None) => Ok(Sli::Events { error, total }),
        (None, None, None, Some(raw)) => {
            let q = query(&raw, false)?;
            let kind = match &raw_type {
                Some(t) => t.str()?,
                None => return Err(r.error("`raw` needs `rawType: success` or `rawType: failure`")),
            };
            match kind {
                "failure" => Ok(Sli::Raw { error_ratio: q }),
                "success" => Ok(Sli::Raw {
                    error_ratio: format!("1 - ({q})"),
                }),
                other => Err(raw_type.map_or_else(
                    || r.error("bad rawType"),
                    |t| t.error(format!("rawType `{other}`: expected success or failure")),
                )),
            }
        }
        _ => Err(r.error(
            "ratioMetric needs `good` and `total`, `bad` and `total`, or `raw` with `rawType`",
        )),
    }
}

/// The Prometheus query of a metric source. Counters given as a bare selector are wrapped in
/// `sum(rate(…[{{.window}}]))`; anything else must use `{{.window}}` itself.
fn query(at: &At<'_>, counter: bool) -> Result<String, SpecError> {
    let mut f = at.fields()?;
    let ms = f.req("metricSource")?;
    f.done()?;
    let mut mf = ms.fields()?;
    mf.ignore(&["metricSourceRef"]);
    if let Some(t) = mf.opt("type") {
        let ty = t.str()?;
        if !ty.eq_ignore_ascii_case("prometheus") {
            return Err(t.error(format!(
                "metric source type `{ty}`: only Prometheus (and compatible: Thanos, Mimir, \
                 VictoriaMetrics) is supported"
            )));
        }
    }
    let spec = mf.req("spec")?;
    mf.done()?;
    let mut sf = spec.fields()?;
    let q_at = match (sf.opt("query"), sf.opt("promql")) {
        (Some(q), None) | (None, Some(q)) => q,
        _ => return Err(spec.error("exactly one of `query` or `promql` is required")),
    };
    sf.done()?;
    let q = q_at.text()?;
    if q.contains(WINDOW) || q.contains(WINDOW_SPACED) {
        return Ok(q);
    }
    if counter && is_selector(&q) {
        return Ok(format!("sum(rate({q}[{WINDOW}]))"));
    }
    Err(q_at.error(
        "the query must use {{.window}} for its rate window, or be a counter selector with \
         `counter: true`",
    ))
}

/// `metric`, `metric{…}` or `{…}`.
fn is_selector(q: &str) -> bool {
    let name_len = q
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b':')
        .count();
    let rest = &q[name_len..];
    (name_len > 0 && !q.as_bytes()[0].is_ascii_digit() && rest.is_empty())
        || (rest.starts_with('{')
            && rest.ends_with('}')
            && !rest[1..rest.len() - 1].contains(['{', '}']))
}

fn read_policy_item(item: &At<'_>) -> Result<Ref<PolicyDraft>, SpecError> {
    let mut f = item.fields()?;
    if let Some(r) = f.opt("alertPolicyRef") {
        f.done()?;
        return Ok(Ref::Named(r.text()?, Loc::of(&r)));
    }
    let kind = f.req("kind")?;
    if kind.str()? != "AlertPolicy" {
        return Err(kind.error("expected kind AlertPolicy"));
    }
    f.ignore(&["apiVersion"]);
    let meta = f.req("metadata")?;
    let spec = f.req("spec")?;
    f.done()?;
    Ok(Ref::Inline(read_policy(&spec, metadata_name(&meta)?)?))
}

fn read_policy(spec: &At<'_>, name: String) -> Result<PolicyDraft, SpecError> {
    let mut f = spec.fields()?;
    let description = f.opt("description").map(|d| d.text()).transpose()?;
    f.ignore(&[
        "alertWhenNoData",
        "alertWhenResolved",
        "alertWhenBreaching",
        "notificationTargets",
    ]);
    let list = f.req("conditions")?;
    f.done()?;
    let mut conditions = Vec::new();
    for c in list.items()? {
        let mut cf = c.fields()?;
        if let Some(r) = cf.opt("conditionRef") {
            cf.done()?;
            conditions.push(Ref::Named(r.text()?, Loc::of(&r)));
            continue;
        }
        cf.ignore(&["apiVersion"]);
        let kind = cf.req("kind")?;
        if kind.str()? != "AlertCondition" {
            return Err(kind.error("expected kind AlertCondition"));
        }
        let meta = cf.req("metadata")?;
        metadata_name(&meta)?;
        let spec = cf.req("spec")?;
        cf.done()?;
        conditions.push(Ref::Inline(read_condition(&spec)?));
    }
    if conditions.is_empty() {
        return Err(list.error("an alert policy needs at least one condition"));
    }
    Ok(PolicyDraft {
        name,
        description,
        conditions,
    })
}

fn read_condition(spec: &At<'_>) -> Result<(String, BurnCondition), SpecError> {
    let mut f = spec.fields()?;
    f.ignore(&["description"]);
    let severity = f.req("severity")?.text()?;
    let cond = f.req("condition")?;
    f.done()?;
    let mut cf = cond.fields()?;
    let kind = cf.req("kind")?;
    if kind.str()? != "burnrate" {
        return Err(kind.error(format!(
            "condition kind `{}`: only burnrate is supported",
            kind.str()?
        )));
    }
    if let Some(op) = cf.opt("op") {
        let o = op.str()?;
        if !matches!(o, "gte" | "gt") {
            return Err(op.error(format!(
                "op `{o}`: a burn-rate alert fires above its threshold (gte or gt)"
            )));
        }
    }
    let t = cf.req("threshold")?;
    let factor = t.number()?;
    if !factor.is_positive() {
        return Err(t.error("the threshold must be a positive burn rate"));
    }
    let lw = cf.req("lookbackWindow")?;
    let long = Dur::parse(lw.str()?)
        .filter(|d| d.secs() >= 12 * 60)
        .ok_or_else(|| lw.error("expected a duration of at least 12m, such as 1h"))?;
    let alert_after = match cf.opt("alertAfter") {
        Some(a) => {
            Some(Dur::parse(a.str()?).ok_or_else(|| a.error("expected a duration such as 5m"))?)
        }
        None => None,
    };
    cf.done()?;
    Ok((
        severity,
        BurnCondition {
            factor,
            long,
            // The workbook's short window: a twelfth of the long one (1h → 5m, 6h → 30m).
            short: Dur(long.secs() / 12 / 60 * 60),
            alert_after,
        },
    ))
}
