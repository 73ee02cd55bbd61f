use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CheckMeta;

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no action needed now.
    Info,
    /// Should be fixed; not breaking anything yet.
    Warning,
    /// Broken now, or one step from an outage or a breach.
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

    /// The lowercase name used in JSON, config files and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "critical" => Ok(Severity::Critical),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, warning or info)"
            )),
        }
    }
}

/// What kind of concern a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Something is down or degraded now.
    Health,
    /// Will survive failures, restarts and rollouts.
    Reliability,
    /// Least privilege, isolation, secrets.
    Security,
    /// Resources used well: requests, limits, capacity.
    Efficiency,
    /// The configuration says what its author meant.
    Correctness,
    /// Conventions that keep a fleet operable.
    BestPractice,
    /// APIs and versions that are going away.
    Deprecation,
    /// Alerting, metrics, logs.
    Observability,
}

impl Category {
    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Health => "health",
            Category::Reliability => "reliability",
            Category::Security => "security",
            Category::Efficiency => "efficiency",
            Category::Correctness => "correctness",
            Category::BestPractice => "best-practice",
            Category::Deprecation => "deprecation",
            Category::Observability => "observability",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The object a finding is about (a Kubernetes object, a Terraform resource, an alert rule, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Resource {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl Resource {
    /// A resource with a kind and a name.
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Self {
        Resource {
            kind: kind.into(),
            name: name.into(),
            ..Resource::default()
        }
    }

    /// Sets the namespace (empty means cluster-scoped and is ignored).
    pub fn in_namespace(mut self, ns: impl Into<String>) -> Self {
        let ns = ns.into();
        self.namespace = (!ns.is_empty()).then_some(ns);
        self
    }

    /// Sets the container.
    pub fn container(mut self, c: impl Into<String>) -> Self {
        self.container = Some(c.into());
        self
    }
}

impl fmt::Display for Resource {
    /// `Kind/namespace/name[container]`, the short form used in tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.kind)?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)?;
        if let Some(c) = &self.container {
            write!(f, "[{c}]")?;
        }
        Ok(())
    }
}

/// Where in a file a finding was found. Lines and columns start at 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// One problem found by one check. Its JSON form is part of the `srehub.report/v1` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's stable code, e.g. `K8S003`.
    pub check: String,
    /// The check's kebab-case name, e.g. `container-without-memory-limit`.
    pub name: String,
    pub severity: Severity,
    pub category: Category,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What is wrong, in one sentence, with the evidence.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A safe, mechanical fix that `srehub lint --fix` can apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<crate::fix::Fix>,
}

impl Finding {
    /// A finding of `meta`'s check with its default severity.
    pub fn new(meta: &CheckMeta, message: impl Into<String>) -> Self {
        Finding {
            check: meta.code.to_string(),
            name: meta.name.to_string(),
            severity: meta.severity,
            category: meta.category,
            resource: None,
            location: None,
            message: message.into(),
            hint: None,
            fix: None,
        }
    }

    /// Sets the resource.
    pub fn resource(mut self, r: Resource) -> Self {
        self.resource = Some(r);
        self
    }

    /// Sets the location.
    pub fn location(mut self, l: Location) -> Self {
        self.location = Some(l);
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }

    /// Attaches a fix.
    pub fn fix(mut self, f: crate::fix::Fix) -> Self {
        self.fix = Some(f);
        self
    }

    /// Sets a severity other than the check's default (e.g. a restart count past the critical threshold).
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    /// The key findings are sorted by: most severe first, then check, resource, location, message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            &self.check,
            &self.resource,
            &self.location,
            &self.message,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_info_below_critical() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Critical);
        assert_eq!("Warning".parse::<Severity>(), Ok(Severity::Warning));
        assert!("fatal".parse::<Severity>().is_err());
    }

    #[test]
    fn resource_displays_short_form() {
        let r = Resource::new("Pod", "api-0")
            .in_namespace("payments")
            .container("app");
        assert_eq!(r.to_string(), "Pod/payments/api-0[app]");
        assert_eq!(
            Resource::new("Node", "n1").in_namespace("").to_string(),
            "Node/n1"
        );
    }
}
