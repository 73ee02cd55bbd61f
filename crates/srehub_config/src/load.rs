//! Finding, reading and merging the configuration layers.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Error, Options, Settings};

/// Where a setting may have come from, in precedence order; listed by `srehub config show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A config file.
    File(PathBuf),
    /// `.env` in the working directory.
    DotEnv(PathBuf),
    /// These `SREHUB_*` variables.
    Env(Vec<String>),
    /// Command-line flags.
    Flags,
}

/// The layers that were read, for `config show`.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    pub sources: Vec<ConfigSource>,
}

/// The config file to read: the explicit one (which must exist), else `./srehub.yaml` (or `.yml`), else
/// `$XDG_CONFIG_HOME/srehub/srehub.yaml` (`~/.config` when unset).
pub fn find_config_file(
    explicit: Option<&Path>,
    cwd: &Path,
    xdg_config_home: Option<&Path>,
    home: Option<&Path>,
) -> Result<Option<PathBuf>, Error> {
    if let Some(p) = explicit {
        return match std::fs::metadata(p) {
            Ok(m) if m.is_file() => Ok(Some(p.to_path_buf())),
            Ok(_) => Err(Error::Read {
                path: p.to_path_buf(),
                source: std::io::Error::other("it is not a regular file"),
            }),
            Err(e) => Err(Error::Read {
                path: p.to_path_buf(),
                source: e,
            }),
        };
    }
    let mut candidates = vec![cwd.join("srehub.yaml"), cwd.join("srehub.yml")];
    let xdg = xdg_config_home
        .map(Path::to_path_buf)
        .or_else(|| home.map(|h| h.join(".config")));
    if let Some(x) = xdg {
        candidates.push(x.join("srehub").join("srehub.yaml"));
        candidates.push(x.join("srehub").join("srehub.yml"));
    }
    Ok(candidates.into_iter().find(|p| p.is_file()))
}

/// Parses a config file. Unknown keys and wrong types are errors naming the file, line, column and key.
pub fn parse_file(path: &Path) -> Result<Options, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    parse_str(&text, path)
}

pub(crate) fn parse_str(text: &str, path: &Path) -> Result<Options, Error> {
    match serde_yaml_ng::from_str::<Option<Options>>(text) {
        Ok(o) => Ok(o.unwrap_or_default()),
        Err(e) => {
            let (line, column, message) = srehub_core::yaml_error(&e);
            Err(Error::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message,
            })
        }
    }
}

/// The variables that are not settings: they say where the settings are.
const META_VARS: &[&str] = &["SREHUB_CONFIG"];

/// Variables that commands read themselves (flag values and connector credentials, such as
/// `SREHUB_PROMETHEUS_TOKEN` or `SREHUB_LISTEN`): not settings, so not read as such here.
const COMMAND_VAR_PREFIXES: &[&str] = &[
    "SREHUB_PROMETHEUS_",
    "SREHUB_ALERTMANAGER_",
    "SREHUB_REGISTRY_",
    "SREHUB_ARTIFACTORY_",
    "SREHUB_AQUA_",
    "SREHUB_TRIVY_",
    "SREHUB_LOKI_",
    "SREHUB_LOAD_",
];
const COMMAND_VARS: &[&str] = &["SREHUB_LISTEN", "SREHUB_API_KEYS_FILE", "SREHUB_REDIS_URL"];

/// Whether a variable is read by a command rather than being a setting.
pub fn is_command_var(name: &str) -> bool {
    COMMAND_VARS.contains(&name)
        || (!name.contains("__") && COMMAND_VAR_PREFIXES.iter().any(|p| name.starts_with(p)))
}

/// Builds the options that `SREHUB_*` variables give. `SREHUB_FAIL_ON=warning` sets `fail-on`;
/// `__` separates levels (`SREHUB_DOCTOR__RESTART_WARNING=8`); lists are comma-separated; structured
/// values may be given as YAML flow (`SREHUB_EXEMPTIONS='[{checks: [K8S003], namespace: kube-system}]'`).
pub fn env_options(vars: &[(String, String)]) -> Result<(Options, Vec<String>), Error> {
    let mut merged = Value::Object(Default::default());
    let mut used = Vec::new();
    for (k, v) in vars {
        let Some(rest) = k.strip_prefix("SREHUB_") else {
            continue;
        };
        if META_VARS.contains(&k.as_str()) || rest.is_empty() || is_command_var(k) {
            continue;
        }
        let path: Vec<String> = rest
            .split("__")
            .map(|seg| seg.to_ascii_lowercase().replace('_', "-"))
            .collect();
        let nest = |leaf: Value| {
            path.iter().rev().fold(leaf, |acc, key| {
                Value::Object([(key.clone(), acc)].into_iter().collect())
            })
        };
        // A value is first taken as a string (so `1.30` stays a version), then as YAML; YAML flow
        // collections (`[a, b]`, `{k: v}`) are always YAML.
        let as_string = nest(Value::String(v.clone()));
        let flow = v.trim_start().starts_with(['[', '{']);
        let one = match serde_json::from_value::<Options>(as_string.clone()) {
            Ok(_) if !flow => as_string,
            _ => {
                let parsed: Value = serde_yaml_ng::from_str(v).map_err(|e| Error::Env {
                    var: k.clone(),
                    message: format!("not a valid value: {e}"),
                })?;
                let candidate = nest(parsed);
                serde_json::from_value::<Options>(candidate.clone()).map_err(|e| Error::Env {
                    var: k.clone(),
                    message: format!("{} (setting `{}`)", e, path.join(".")),
                })?;
                candidate
            }
        };
        deep_merge(&mut merged, one);
        used.push(k.clone());
    }
    let options = serde_json::from_value(merged).map_err(|e| Error::Env {
        var: used.join(","),
        message: e.to_string(),
    })?;
    Ok((options, used))
}

fn deep_merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Merges layers, later ones overriding earlier ones key by key (lists are replaced, not appended).
pub fn merge(layers: &[Options]) -> Options {
    let mut acc = Value::Object(Default::default());
    for l in layers {
        if let Ok(v) = serde_json::to_value(l) {
            deep_merge(&mut acc, v);
        }
    }
    serde_json::from_value(acc).unwrap_or_default()
}

/// The variables of `.env` in `cwd` (none when it is missing; a malformed file is reported by
/// [`load`]): for commands that read variables of their own (connector credentials), which `.env`
/// may hold as well, beneath the real environment.
pub fn dotenv_vars(cwd: &Path) -> Vec<(String, String)> {
    let path = cwd.join(".env");
    if !path.is_file() {
        return Vec::new();
    }
    dotenvy::from_path_iter(&path)
        .map(|it| it.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// Reads every layer and resolves the settings. `env` is the process environment; `.env` in `cwd`
/// fills in variables the environment does not set.
pub fn load(
    explicit: Option<&Path>,
    cwd: &Path,
    env: &[(String, String)],
    flags: Options,
) -> Result<(Settings, Layers), Error> {
    let mut sources = Vec::new();
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut vars: Vec<(String, String)> = env.to_vec();
    let dotenv = cwd.join(".env");
    if dotenv.is_file() {
        let iter = dotenvy::from_path_iter(&dotenv).map_err(|e| Error::DotEnv {
            path: dotenv.clone(),
            message: e.to_string(),
        })?;
        for item in iter {
            let (k, v) = item.map_err(|e| Error::DotEnv {
                path: dotenv.clone(),
                message: e.to_string(),
            })?;
            if !vars.iter().any(|(ek, _)| *ek == k) {
                vars.push((k, v));
            }
        }
        sources.push(ConfigSource::DotEnv(dotenv));
    }
    let explicit_env = vars
        .iter()
        .find(|(k, _)| k == "SREHUB_CONFIG")
        .map(|(_, v)| PathBuf::from(v));
    let explicit = explicit.map(Path::to_path_buf).or(explicit_env);
    let xdg = get("XDG_CONFIG_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let home = get("HOME").map(PathBuf::from);
    let file = find_config_file(explicit.as_deref(), cwd, xdg.as_deref(), home.as_deref())?;
    let mut layers = Vec::new();
    let mut origin = Vec::new();
    if let Some(f) = &file {
        layers.push(parse_file(f)?);
        sources.insert(0, ConfigSource::File(f.clone()));
        origin.push(f.display().to_string());
    }
    let (env_opts, used) = env_options(&vars)?;
    if !used.is_empty() {
        origin.push("environment".to_string());
        sources.push(ConfigSource::Env(used));
    }
    layers.push(env_opts);
    if flags != Options::default() {
        sources.push(ConfigSource::Flags);
        origin.push("flags".to_string());
    }
    layers.push(flags);
    let origin = if origin.is_empty() {
        "defaults".to_string()
    } else {
        origin.join(" + ")
    };
    let settings = Settings::resolve(merge(&layers), &origin)?;
    Ok((settings, Layers { sources }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_core::Severity;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn connector_and_flag_variables_are_not_settings() {
        let (o, used) = env_options(&env(&[
            ("SREHUB_PROMETHEUS_TOKEN", "t"),
            ("SREHUB_REGISTRY_URL", "http://r"),
            ("SREHUB_ARTIFACTORY_API_KEY_FILE", "/k"),
            ("SREHUB_LISTEN", "0.0.0.0:8080"),
            ("SREHUB_FAIL_ON", "warning"),
            ("SREHUB_SERVE__CACHE__REDIS_URL", "redis://r:6379/0"),
        ]))
        .unwrap();
        assert_eq!(used, ["SREHUB_FAIL_ON", "SREHUB_SERVE__CACHE__REDIS_URL"]);
        assert_eq!(
            o.serve
                .and_then(|s| s.cache)
                .and_then(|c| c.redis_url)
                .as_deref(),
            Some("redis://r:6379/0")
        );
        // A misspelt setting is still an error.
        assert!(env_options(&env(&[("SREHUB_FAIL_ONN", "warning")])).is_err());
    }

    #[test]
    fn the_hub_is_configured_in_the_file() {
        let o = parse_str(
            "serve:\n  listen: 0.0.0.0:8080\n  clusters: {prod: /dumps/prod}\n  contexts: [eu, us]\n  \
             rate-limit: 20\n  cache:\n    entries: 5000\n    ttl: {k8s: 30s}\n",
            Path::new("srehub.yaml"),
        )
        .unwrap();
        let s = o.serve.unwrap();
        assert_eq!(s.listen.as_deref(), Some("0.0.0.0:8080"));
        assert_eq!(s.contexts.unwrap(), ["eu", "us"]);
        assert_eq!(s.cache.unwrap().ttl.unwrap().k8s.as_deref(), Some("30s"));
        let e = parse_str(
            "serve:\n  cache:\n    entires: 5\n",
            Path::new("srehub.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("srehub.yaml:3:5: serve.cache: unknown field `entires`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = parse_str(
            "fail-on: warning\ndoctor:\n  restart-warnin: 3\n",
            Path::new("srehub.yaml"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("srehub.yaml:3:3: doctor: unknown field `restart-warnin`"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_type_names_file_line_and_key() {
        let e = parse_str("doctor:\n  restart-warning: many\n", Path::new("c.yaml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("c.yaml:2:"), "{msg}");
        assert!(
            msg.contains("doctor.restart-warning") || msg.contains("invalid type"),
            "{msg}"
        );
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(
            parse_str("# nothing\n", Path::new("x")).unwrap(),
            Options::default()
        );
    }

    #[test]
    fn env_sets_nested_keys_lists_and_versions() {
        let (o, used) = env_options(&env(&[
            ("SREHUB_FAIL_ON", "warning"),
            ("SREHUB_DOCTOR__RESTART_WARNING", "8"),
            ("SREHUB_DOCTOR__KUBE_VERSION", "1.30"),
            ("SREHUB_CHECKS__IGNORE", "K8S003, K8S010"),
            ("SREHUB_CHECKS__SELECT", "[K8S0, K8S1]"),
            (
                "SREHUB_EXEMPTIONS",
                "[{checks: [K8S003], namespace: kube-system}]",
            ),
            ("SREHUB_CONFIG", "/nowhere.yaml"),
            ("PATH", "/bin"),
        ]))
        .unwrap();
        assert_eq!(used.len(), 6);
        assert_eq!(o.fail_on, Some(Severity::Warning));
        let d = o.doctor.unwrap();
        assert_eq!(d.restart_warning, Some(8));
        assert_eq!(d.kube_version.as_deref(), Some("1.30"));
        let checks = o.checks.unwrap();
        assert_eq!(checks.ignore.unwrap(), ["K8S003", "K8S010"]);
        assert_eq!(checks.select.unwrap(), ["K8S0", "K8S1"]);
        assert_eq!(
            o.exemptions.unwrap()[0].namespace.as_deref(),
            Some("kube-system")
        );
    }

    #[test]
    fn unknown_env_var_is_an_error_naming_it() {
        let e = env_options(&env(&[("SREHUB_DOCTOR__RESTARTS", "3")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("environment variable SREHUB_DOCTOR__RESTARTS:"),
            "{e}"
        );
        assert!(e.contains("unknown field `restarts`"), "{e}");
    }

    #[test]
    fn precedence_is_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("srehub.yaml"),
            "fail-on: info\ndoctor: {restart-warning: 2, restart-critical: 20}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "SREHUB_DOCTOR__RESTART_WARNING=3\nSREHUB_FAIL_ON=critical\n",
        )
        .unwrap();
        let flags = Options {
            fail_on: Some(Severity::Warning),
            ..Options::default()
        };
        // The real environment beats .env.
        let (s, layers) = load(
            None,
            dir.path(),
            &env(&[("SREHUB_DOCTOR__RESTART_WARNING", "4")]),
            flags,
        )
        .unwrap();
        assert_eq!(s.fail_on, Severity::Warning);
        assert_eq!(s.doctor.restart_warning, 4);
        assert_eq!(s.doctor.restart_critical, 20);
        assert_eq!(layers.sources.len(), 4);
        let (s, _) = load(None, dir.path(), &[], Options::default()).unwrap();
        assert_eq!(s.fail_on, Severity::Critical);
        assert_eq!(s.doctor.restart_warning, 3);
    }

    #[test]
    fn xdg_config_is_found_when_cwd_has_none() {
        let cwd = tempfile::tempdir().unwrap();
        let xdg = tempfile::tempdir().unwrap();
        std::fs::create_dir(xdg.path().join("srehub")).unwrap();
        std::fs::write(xdg.path().join("srehub/srehub.yaml"), "fail-on: warning\n").unwrap();
        let vars = env(&[("XDG_CONFIG_HOME", xdg.path().to_str().unwrap())]);
        let (s, _) = load(None, cwd.path(), &vars, Options::default()).unwrap();
        assert_eq!(s.fail_on, Severity::Warning);
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let cwd = tempfile::tempdir().unwrap();
        let e = load(
            Some(Path::new("/no/such/srehub.yaml")),
            cwd.path(),
            &[],
            Options::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("/no/such/srehub.yaml"));
    }

    #[test]
    fn invalid_values_name_the_key() {
        let cwd = tempfile::tempdir().unwrap();
        let vars = env(&[("SREHUB_DOCTOR__RESTART_CRITICAL", "1")]);
        let e = load(None, cwd.path(), &vars, Options::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "environment: doctor.restart-critical: 1 is below doctor.restart-warning (5)"
        );
    }
}
