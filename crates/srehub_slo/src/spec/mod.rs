//! SLO specs: Sloth's `prometheus/v1` files, Sloth's `PrometheusServiceLevel` Kubernetes resource and
//! OpenSLO v1 (`SLO`, `SLI`, `AlertPolicy`, `AlertCondition`; other kinds are accepted and ignored),
//! read into one model. References between OpenSLO documents are resolved across all the given files.

pub mod decode;
mod openslo;
mod sloth;

use std::collections::BTreeMap;
use std::fmt;

pub use decode::SpecError;
use srehub_model::yaml::Pos;

use crate::ratio::Ratio;

/// Where a set of SLOs came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    SlothV1,
    SlothCrd,
    OpenSlo,
}

impl SpecKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecKind::SlothV1 => "prometheus/v1",
            SpecKind::SlothCrd => "sloth.slok.dev/v1",
            SpecKind::OpenSlo => "openslo/v1",
        }
    }
}

/// The SLOs of one service from one document (a Sloth file or resource, or OpenSLO SLOs grouped by
/// service).
#[derive(Debug, Clone)]
pub struct ServiceSlos {
    pub file: String,
    pub kind: SpecKind,
    pub service: String,
    /// Name, namespace and labels of a Kubernetes resource spec (for the PrometheusRule).
    pub k8s: Option<K8sMeta>,
    pub slos: Vec<Slo>,
}

#[derive(Debug, Clone, Default)]
pub struct K8sMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// One SLO, normalized.
#[derive(Debug, Clone)]
pub struct Slo {
    pub file: String,
    pub pos: Pos,
    pub service: String,
    pub name: String,
    /// `service-name`, the `sloth_id` label.
    pub id: String,
    pub description: Option<String>,
    /// Target in percent, in (0, 100).
    pub objective: Ratio,
    /// Labels of every rule (service labels merged with the SLO's).
    pub labels: BTreeMap<String, String>,
    pub sli: Sli,
    pub window: Window,
    pub alerting: Alerting,
}

impl Slo {
    /// The error budget as a ratio (`1 - objective/100`).
    pub fn budget(&self) -> Ratio {
        Ratio::ONE.minus(self.objective.over(Ratio::int(100)))
    }
}

/// How the SLI is measured. Queries may hold `{{.window}}` (also `{{ .window }}`), replaced by each
/// rate window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sli {
    /// Bad and total events.
    Events { error: String, total: String },
    /// Good and total events: errors are `total - good`.
    Good { good: String, total: String },
    /// An error ratio computed elsewhere.
    Raw { error_ratio: String },
}

/// The SLO period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    Rolling(Dur),
    /// A calendar month or week: rules use the rolling equivalent (30 or 7 days); `slo report`
    /// measures the calendar period itself.
    Calendar {
        unit: CalendarUnit,
        time_zone: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarUnit {
    Month,
    Week,
}

impl Window {
    /// The length used for budgets and burn-rate factors.
    pub fn rolling_equivalent(&self) -> Dur {
        match self {
            Window::Rolling(d) => *d,
            Window::Calendar {
                unit: CalendarUnit::Month,
                ..
            } => Dur::days(30),
            Window::Calendar {
                unit: CalendarUnit::Week,
                ..
            } => Dur::days(7),
        }
    }
}

/// The alerts asked for.
#[derive(Debug, Clone)]
pub enum Alerting {
    None,
    /// Multi-window multi-burn-rate page and ticket alerts (Sloth's `alerting`), windows and factors
    /// from the burn-rate policy.
    Mwmb {
        name: String,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
        page: Option<AlertOverride>,
        ticket: Option<AlertOverride>,
    },
    /// OpenSLO alert policies, each one alert with its own burn-rate conditions.
    Policies(Vec<Policy>),
}

/// Labels and annotations of the page or ticket alert (present when that alert is enabled).
#[derive(Debug, Clone, Default)]
pub struct AlertOverride {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// An OpenSLO alert policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub description: Option<String>,
    pub severity: String,
    pub conditions: Vec<BurnCondition>,
}

/// Fire when the error ratio over `long` and over `short` are both at least `factor` × budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnCondition {
    pub factor: Ratio,
    pub long: Dur,
    pub short: Dur,
    /// `for:` of the alert.
    pub alert_after: Option<Dur>,
}

/// A duration in whole seconds, written the Prometheus way (`5m`, `1h`, `30d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub u64);

impl Dur {
    pub const fn days(d: u64) -> Dur {
        Dur(d * 86_400)
    }

    pub fn secs(self) -> u64 {
        self.0
    }

    /// Parses a Prometheus duration of whole seconds, above zero (`30s`, `5m`, `1h30m`, `28d`).
    pub fn parse(s: &str) -> Option<Dur> {
        let d = srehub_core::duration::parse(s)?;
        (d.subsec_nanos() == 0 && d.as_secs() > 0).then_some(Dur(d.as_secs()))
    }

    /// As a ratio of hours (for factors).
    pub fn hours(self) -> Ratio {
        Ratio::new(i128::from(self.0), 3600)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60)] {
            if s.is_multiple_of(len) {
                return write!(f, "{}{unit}", s / len);
            }
        }
        write!(f, "{s}s")
    }
}

/// One input file.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub name: String,
    pub text: String,
}

/// Reads every file; OpenSLO references are resolved across all of them. All errors are returned,
/// not only the first.
pub fn read(files: &[SpecFile]) -> Result<Vec<ServiceSlos>, Vec<SpecError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut open = openslo::Collector::default();
    for f in files {
        let docs = match srehub_model::yaml::parse(&f.text) {
            Ok(d) => d,
            Err(e) => {
                errors.push(SpecError {
                    file: f.name.clone(),
                    pos: e.pos,
                    path: "(document)".into(),
                    message: format!("not valid YAML: {}", e.message),
                });
                continue;
            }
        };
        for doc in &docs {
            let at = decode::At::root(&f.name, &doc.root);
            let version = doc.root.get("version").and_then(|n| n.as_str());
            let api = doc.root.get("apiVersion").and_then(|n| n.as_str());
            let result = match (version, api) {
                (Some("prometheus/v1"), _) => sloth::read_v1(&at).map(|s| out.push(s)),
                (_, Some("sloth.slok.dev/v1")) => sloth::read_crd(&at).map(|s| out.push(s)),
                (_, Some("openslo/v1")) => open.add(&at),
                (Some(v), _) => Err(at.error(format!(
                    "unsupported spec version `{v}` (supported: prometheus/v1, sloth.slok.dev/v1 \
                     PrometheusServiceLevel, openslo/v1)"
                ))),
                (_, Some(v)) => Err(at.error(format!(
                    "unsupported apiVersion `{v}` (supported: sloth.slok.dev/v1, openslo/v1)"
                ))),
                (None, None) if matches!(doc.root.value, srehub_model::yaml::Value::Null) => Ok(()),
                (None, None) => Err(at.error(
                    "not an SLO spec: expected `version: prometheus/v1` or an `apiVersion` of \
                     sloth.slok.dev/v1 or openslo/v1",
                )),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
    }
    match open.finish() {
        Ok(services) => out.extend(services),
        Err(mut e) => errors.append(&mut e),
    }
    // One id per SLO across all inputs.
    let mut seen: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    for s in out.iter().flat_map(|s| &s.slos) {
        if let Some((file, pos)) = seen.get(&s.id) {
            errors.push(SpecError {
                file: s.file.clone(),
                pos: s.pos,
                path: "name".into(),
                message: format!(
                    "SLO `{}` of service `{}` is also defined at {file}:{}",
                    s.name, s.service, pos.line
                ),
            });
        } else {
            seen.insert(s.id.clone(), (s.file.clone(), s.pos));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks shared by every spec kind: the objective, label names and the queries' window variable.
pub(crate) fn check_slo(at: &decode::At<'_>, slo: &Slo) -> Result<(), SpecError> {
    if !(slo.objective.is_positive() && slo.objective < Ratio::int(100)) {
        return Err(at.error(format!(
            "objective {} is not a percentage between 0 and 100 (exclusive): 100 % leaves no error \
             budget to alert on",
            slo.objective
        )));
    }
    for k in slo.labels.keys() {
        if !valid_label_name(k) {
            return Err(at.error(format!("`{k}` is not a valid Prometheus label name")));
        }
    }
    let queries: Vec<&String> = match &slo.sli {
        Sli::Events { error, total } => vec![error, total],
        Sli::Good { good, total } => vec![good, total],
        Sli::Raw { error_ratio } => vec![error_ratio],
    };
    for q in queries {
        if q.contains("{{") && !q.contains(WINDOW) && !q.contains(WINDOW_SPACED) {
            return Err(at.error(format!(
                "the query uses a template variable other than {{{{.window}}}}: `{q}`"
            )));
        }
    }
    Ok(())
}

pub(crate) const WINDOW: &str = "{{.window}}";
pub(crate) const WINDOW_SPACED: &str = "{{ .window }}";

pub fn valid_label_name(k: &str) -> bool {
    let mut b = k.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !k.starts_with("__")
}

/// `Kebab-or_snake name` → `KebabOrSnakeName` (alert names).
pub fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests;
