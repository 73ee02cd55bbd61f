//! Scenario files: several weighted requests, variables from CSV, stages and thresholds, in YAML.
//!
//! ```yaml
//! name: checkout
//! base_url: http://127.0.0.1:8080
//! headers: {Accept: application/json}
//! data: users.csv                 # columns become {{variables}}; relative to this file
//! requests:
//!   - {name: browse, weight: 5, path: "/items?user={{user_id}}"}
//!   - {name: buy, weight: 1, method: POST, path: /cart, body: '{"user": "{{user_id}}"}'}
//! stages:                         # rate: open model; connections: closed model
//!   - {duration: 30s, rate: 200}
//!   - {duration: 2m, rate: 200}
//!   - {duration: 10s, rate: 0}
//! thresholds: ["p99<200ms", "error_rate<1%"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// A scenario file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Shown as the report's target.
    #[serde(default)]
    pub name: Option<String>,
    /// Prefix of every request's `path`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Headers of every request (a request's own headers win).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A CSV file with a header row; each request takes the next row (or a random one).
    #[serde(default)]
    pub data: Option<DataSpec>,
    pub requests: Vec<RequestSpec>,
    /// Ramp and hold stages; without them, `rate`/`connections` and `duration` apply.
    #[serde(default)]
    pub stages: Vec<StageSpec>,
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub connections: Option<u64>,
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub thresholds: Vec<String>,
}

/// Where variables come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DataSpec {
    File(PathBuf),
    Detailed(DataFile),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    pub file: PathBuf,
    /// `sequential` (default) or `random`.
    #[serde(default)]
    pub order: DataOrder,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataOrder {
    #[default]
    Sequential,
    Random,
}

/// One request of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default)]
    pub name: Option<String>,
    /// Relative share of this request (default 1).
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(default)]
    pub method: Option<String>,
    /// Appended to `base_url`...
    #[serde(default)]
    pub path: Option<String>,
    /// ...or a full URL.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Relative to the scenario file.
    #[serde(default)]
    pub body_file: Option<PathBuf>,
}

fn one() -> u32 {
    1
}

/// A stage: ramp to a rate (open model) or a number of connections (closed model).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    pub duration: String,
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub connections: Option<u64>,
}

/// Reads and parses a scenario file; errors name the file, line, column and field.
pub fn load(path: &Path) -> Result<(Scenario, PathBuf), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let scenario = parse(&text, path)?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    Ok((scenario, dir))
}

/// Parses scenario text.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, Error> {
    serde_yaml_ng::from_str::<Scenario>(text).map_err(|e| {
        let (line, column, message) = srehub_core::yaml_error(&e);
        Error::Scenario {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_name_the_line() {
        let e = parse(
            "requests:\n  - path: /\n    wieght: 3\n",
            Path::new("s.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("s.yaml:3:"), "{e}");
        assert!(e.contains("unknown field `wieght`"), "{e}");
    }

    #[test]
    fn parses_the_documented_example() {
        let s = parse(
            r#"
name: checkout
base_url: http://127.0.0.1:8080
headers: {Accept: application/json}
data: {file: users.csv, order: random}
requests:
  - {name: browse, weight: 5, path: "/items?user={{user_id}}"}
  - {name: buy, method: POST, path: /cart, body: '{"user": "{{user_id}}"}'}
stages:
  - {duration: 30s, rate: 200}
thresholds: ["p99<200ms"]
"#,
            Path::new("s.yaml"),
        )
        .unwrap();
        assert_eq!(s.requests.len(), 2);
        assert_eq!(s.requests[1].weight, 1);
        assert!(matches!(
            s.data,
            Some(DataSpec::Detailed(DataFile {
                order: DataOrder::Random,
                ..
            }))
        ));
    }
}
