//! The result of a `srehub chaos run` experiment: probes of the steady-state hypothesis before, during
//! and after the method, the method's actions, the rollbacks, and a timeline. The `chaos` checks judge
//! it.

use serde::{Deserialize, Serialize};

/// When a probe ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Before,
    During,
    After,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::During => "during",
            Phase::After => "after",
        }
    }
}

/// One probe's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub name: String,
    pub phase: Phase,
    pub passed: bool,
    /// What was measured (`HTTP 200 in 3 ms`, `p99 412 ms > 200 ms`, `value 0.4 < 1`).
    pub detail: String,
}

/// One action of the method, or one rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Seconds since the start of the experiment.
    pub at_s: f64,
    pub phase: String,
    pub what: String,
}

/// A finished experiment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExperimentResult {
    pub title: String,
    pub probes: Vec<ProbeResult>,
    pub actions: Vec<StepResult>,
    pub rollbacks: Vec<StepResult>,
    pub timeline: Vec<TimelineEntry>,
    /// Why the method did not run (the steady state was not met before it, or Ctrl-C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
}

impl ExperimentResult {
    /// Whether the hypothesis held: every probe passed, before, during and after.
    pub fn hypothesis_held(&self) -> bool {
        self.aborted.is_none() && self.probes.iter().all(|p| p.passed)
    }
}
