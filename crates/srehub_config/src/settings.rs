//! `Settings`: the complete, resolved configuration that commands and analyzers read.

use std::collections::BTreeMap;

use serde::Serialize;
use srehub_core::render::Format;
use srehub_core::{Selection, Severity};

use crate::{ColorChoice, Error, Exemption, LogFormat, Options};

/// srehub's own logging, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
    /// Whether a layer set the level (a server raises its default to `info`).
    #[serde(skip)]
    pub level_given: bool,
}

/// Check selection, resolved.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckSettings {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
}

/// `srehub doctor` thresholds, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DoctorSettings {
    pub restart_warning: u32,
    pub restart_critical: u32,
    pub stuck_terminating_minutes: u32,
    pub pending_minutes: u32,
    pub event_window_minutes: u32,
    pub node_cpu_percent: u32,
    pub node_memory_percent: u32,
    pub limits_overcommit_percent: u32,
    pub kube_version: Option<String>,
}

impl Default for DoctorSettings {
    fn default() -> Self {
        DoctorSettings {
            restart_warning: 5,
            restart_critical: 10,
            stuck_terminating_minutes: 5,
            pending_minutes: 5,
            event_window_minutes: 60,
            node_cpu_percent: 90,
            node_memory_percent: 90,
            limits_overcommit_percent: 200,
            kube_version: None,
        }
    }
}

/// Live cluster access, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct KubeSettings {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
    pub timeout_seconds: u32,
    pub retries: u32,
    pub page_size: u32,
    pub concurrency: u32,
}

impl Default for KubeSettings {
    fn default() -> Self {
        KubeSettings {
            kubeconfig: None,
            context: None,
            timeout_seconds: 10,
            retries: 3,
            page_size: 500,
            concurrency: 8,
        }
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Settings {
    /// `None`: table on a terminal, JSON otherwise.
    pub output: Option<Format>,
    pub fail_on: Severity,
    pub color: ColorChoice,
    pub log: LogSettings,
    pub checks: CheckSettings,
    pub exemptions: Vec<Exemption>,
    pub doctor: DoctorSettings,
    pub kube: KubeSettings,
    /// The hub's options as the layers gave them (`srehub serve` resolves them with its flags).
    #[serde(skip_serializing_if = "is_default_serve")]
    pub serve: crate::options::ServeOptions,
}

fn is_default_serve(s: &crate::options::ServeOptions) -> bool {
    *s == crate::options::ServeOptions::default()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            output: None,
            fail_on: Severity::Critical,
            color: ColorChoice::Auto,
            log: LogSettings {
                level: "warn".into(),
                format: LogFormat::Pretty,
                level_given: false,
            },
            checks: CheckSettings::default(),
            exemptions: Vec::new(),
            doctor: DoctorSettings::default(),
            kube: KubeSettings::default(),
            serve: Default::default(),
        }
    }
}

fn positive(origin: &str, key: &str, v: u32) -> Result<u32, Error> {
    if v == 0 {
        return Err(Error::Invalid {
            origin: origin.into(),
            key: key.into(),
            message: "must be greater than 0".into(),
        });
    }
    Ok(v)
}

impl Settings {
    /// Resolves merged options over the defaults. `origin` names the layers, for errors.
    pub fn resolve(o: Options, origin: &str) -> Result<Settings, Error> {
        let d = Settings::default();
        let log = o.log.unwrap_or_default();
        let checks = o.checks.unwrap_or_default();
        let doc = o.doctor.unwrap_or_default();
        let kube = o.kube.unwrap_or_default();
        let dd = d.doctor;
        let kd = d.kube;
        let doctor = DoctorSettings {
            restart_warning: doc.restart_warning.unwrap_or(dd.restart_warning),
            restart_critical: doc.restart_critical.unwrap_or(dd.restart_critical),
            stuck_terminating_minutes: doc
                .stuck_terminating_minutes
                .unwrap_or(dd.stuck_terminating_minutes),
            pending_minutes: doc.pending_minutes.unwrap_or(dd.pending_minutes),
            event_window_minutes: positive(
                origin,
                "doctor.event-window-minutes",
                doc.event_window_minutes.unwrap_or(dd.event_window_minutes),
            )?,
            node_cpu_percent: positive(
                origin,
                "doctor.node-cpu-percent",
                doc.node_cpu_percent.unwrap_or(dd.node_cpu_percent),
            )?,
            node_memory_percent: positive(
                origin,
                "doctor.node-memory-percent",
                doc.node_memory_percent.unwrap_or(dd.node_memory_percent),
            )?,
            limits_overcommit_percent: positive(
                origin,
                "doctor.limits-overcommit-percent",
                doc.limits_overcommit_percent
                    .unwrap_or(dd.limits_overcommit_percent),
            )?,
            kube_version: doc.kube_version,
        };
        if doctor.restart_critical < doctor.restart_warning {
            return Err(Error::Invalid {
                origin: origin.into(),
                key: "doctor.restart-critical".into(),
                message: format!(
                    "{} is below doctor.restart-warning ({})",
                    doctor.restart_critical, doctor.restart_warning
                ),
            });
        }
        if let Some(v) = &doctor.kube_version
            && parse_minor(v).is_none()
        {
            return Err(Error::Invalid {
                origin: origin.into(),
                key: "doctor.kube-version".into(),
                message: format!("`{v}` is not a Kubernetes version such as 1.30 or v1.30.4"),
            });
        }
        Ok(Settings {
            output: o.output,
            fail_on: o.fail_on.unwrap_or(d.fail_on),
            color: o.color.unwrap_or(d.color),
            log: LogSettings {
                level_given: log.level.is_some(),
                level: log.level.unwrap_or(d.log.level),
                format: log.format.unwrap_or(d.log.format),
            },
            checks: CheckSettings {
                select: checks.select.unwrap_or_default(),
                ignore: checks.ignore.unwrap_or_default(),
                severity: checks.severity.unwrap_or_default(),
            },
            exemptions: o.exemptions.unwrap_or_default(),
            doctor,
            serve: o.serve.unwrap_or_default(),
            kube: KubeSettings {
                kubeconfig: kube.kubeconfig,
                context: kube.context,
                timeout_seconds: positive(
                    origin,
                    "kube.timeout-seconds",
                    kube.timeout_seconds.unwrap_or(kd.timeout_seconds),
                )?,
                retries: kube.retries.unwrap_or(kd.retries),
                page_size: positive(
                    origin,
                    "kube.page-size",
                    kube.page_size.unwrap_or(kd.page_size),
                )?,
                concurrency: positive(
                    origin,
                    "kube.concurrency",
                    kube.concurrency.unwrap_or(kd.concurrency),
                )?,
            },
        })
    }

    /// The check selection these settings describe.
    pub fn selection(&self) -> Selection {
        Selection::new(
            self.checks.select.clone(),
            self.checks.ignore.clone(),
            self.checks.severity.clone(),
        )
    }
}

/// `(major, minor)` of a version such as `1.30`, `v1.30.4` or `1.30+`.
pub(crate) fn parse_minor(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_str: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some((major, minor_str.parse().ok()?))
}
