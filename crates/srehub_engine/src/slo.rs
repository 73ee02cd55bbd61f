//! `srehub slo`: read SLO specs (files, directories, stdin), generate rules, dashboards and promtool
//! suites (the pure `srehub_slo` crate).

use std::io::Read;
use std::path::{Path, PathBuf};

use srehub_slo::windows::BurnPolicy;
use srehub_slo::{GenOptions, Generated, RulesFormat, ServiceSlos, SpecFile};

use crate::Error;

/// Reads every spec: `-` is stdin, a directory is searched for `*.yml`/`*.yaml` (in name order).
pub fn read_files(paths: &[String]) -> Result<Vec<SpecFile>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::Slo(format!("<stdin>: cannot read: {e}")))?;
            out.push(SpecFile {
                name: "<stdin>".into(),
                text,
            });
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files).map_err(|e| Error::Slo(format!("{p}: cannot list: {e}")))?;
            if files.is_empty() {
                return Err(Error::Slo(format!("{p}: no .yml or .yaml file in it")));
            }
            for f in files {
                out.push(read_one(&f)?);
            }
        } else {
            out.push(read_one(path)?);
        }
    }
    if out.is_empty() {
        return Err(Error::Slo("no spec given".into()));
    }
    Ok(out)
}

fn read_one(path: &Path) -> Result<SpecFile, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Slo(format!("{}: cannot read: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::Slo(format!("{}: not UTF-8 text: {e}", path.display())))?;
    Ok(SpecFile {
        name: path.display().to_string(),
        text,
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads and checks specs; every problem is reported, one per line.
pub fn validate(paths: &[String]) -> Result<Vec<ServiceSlos>, Error> {
    let files = read_files(paths)?;
    srehub_slo::spec::read(&files).map_err(|errors| {
        Error::Slo(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// A generation run.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub paths: Vec<String>,
    pub format: RulesFormat,
    /// A burn-rate policy file (windows and budget shares); the workbook's by default.
    pub burn_windows: Option<PathBuf>,
    pub version: String,
}

/// The rules of every service as one rule file (stdout without `-o`, `rules` format).
pub fn generate_combined(req: &GenerateRequest) -> Result<String, Error> {
    let policy = policy(req)?;
    let services = validate(&req.paths)?;
    Ok(srehub_slo::combined_rules(
        &services,
        &GenOptions {
            policy,
            version: req.version.clone(),
        },
    ))
}

fn policy(req: &GenerateRequest) -> Result<BurnPolicy, Error> {
    match &req.burn_windows {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Slo(format!("{}: cannot read: {e}", p.display())))?;
            BurnPolicy::read(&p.display().to_string(), &text).map_err(|e| Error::Slo(e.to_string()))
        }
        None => Ok(BurnPolicy::default()),
    }
}

pub fn generate(req: &GenerateRequest) -> Result<Vec<Generated>, Error> {
    let policy = match &req.burn_windows {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Slo(format!("{}: cannot read: {e}", p.display())))?;
            BurnPolicy::read(&p.display().to_string(), &text)
                .map_err(|e| Error::Slo(e.to_string()))?
        }
        None => BurnPolicy::default(),
    };
    let services = validate(&req.paths)?;
    let opts = GenOptions {
        policy,
        version: req.version.clone(),
    };
    Ok(services
        .iter()
        .map(|s| srehub_slo::generate(s, &opts, req.format))
        .collect())
}

/// A `slo report` run.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub paths: Vec<String>,
    pub prometheus: String,
    pub http: srehub_http::HttpOptions,
    pub concurrency: usize,
}

/// The start of the current calendar period of an SLO, in its time zone.
fn calendar_start(
    unit: srehub_slo::spec::CalendarUnit,
    tz: Option<&str>,
    now: jiff::Timestamp,
) -> Result<jiff::Timestamp, Error> {
    let tz = match tz {
        Some(name) => jiff::tz::TimeZone::get(name)
            .map_err(|e| Error::Slo(format!("time zone `{name}`: {e}")))?,
        None => jiff::tz::TimeZone::UTC,
    };
    let z = now.to_zoned(tz);
    let day = z
        .start_of_day()
        .map_err(|e| Error::Slo(format!("calendar period: {e}")))?;
    let start = match unit {
        srehub_slo::spec::CalendarUnit::Month => day.first_of_month(),
        srehub_slo::spec::CalendarUnit::Week => {
            let back = i64::from(day.weekday().to_monday_zero_offset());
            day.checked_sub(jiff::Span::new().days(back))
        }
    }
    .map_err(|e| Error::Slo(format!("calendar period: {e}")))?;
    Ok(start.timestamp())
}

/// Measures every SLO of the specs against Prometheus and returns the report (`slo` checks).
pub async fn report(
    req: &ReportRequest,
    settings: &srehub_config::Settings,
) -> Result<srehub_core::Report, Error> {
    use futures::StreamExt as _;
    use srehub_slo::spec::{Dur, Window};
    use srehub_slo::status::{BURN_WINDOWS, error_ratio_expr, status};

    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let services = validate(&req.paths)?;
    let prom = srehub_prometheus::Prometheus::new(&req.prometheus, req.http.clone())
        .map_err(|e| Error::Slo(e.to_string()))?;
    let now = jiff::Timestamp::now();
    // Every query of every SLO: (slo index, window, expression).
    let slos: Vec<&srehub_slo::spec::Slo> = services.iter().flat_map(|s| &s.slos).collect();
    let mut periods = Vec::new();
    let mut queries = Vec::new();
    for (i, slo) in slos.iter().enumerate() {
        let (label, measured) = match &slo.window {
            Window::Rolling(d) => (format!("rolling {d}"), *d),
            Window::Calendar { unit, time_zone } => {
                let start = calendar_start(*unit, time_zone.as_deref(), now)?;
                let secs =
                    u64::try_from((now.as_second() - start.as_second()).max(60)).unwrap_or(60);
                (
                    format!(
                        "calendar {} since {}",
                        match unit {
                            srehub_slo::spec::CalendarUnit::Month => "month",
                            srehub_slo::spec::CalendarUnit::Week => "week",
                        },
                        start
                    ),
                    Dur(secs / 60 * 60),
                )
            }
        };
        periods.push((label, measured));
        // `None`: the period; `Some(w)`: a burn-rate window.
        queries.push((i, None, error_ratio_expr(slo, measured)));
        for w in BURN_WINDOWS {
            queries.push((i, Some(w), error_ratio_expr(slo, w)));
        }
    }
    let results: Vec<_> = futures::stream::iter(queries)
        .map(|(i, w, q)| {
            let prom = &prom;
            async move { (i, w, prom.query(&q, now).await) }
        })
        .buffered(req.concurrency.max(1))
        .collect()
        .await;
    // Per SLO: the period's error ratio, the burn windows' ratios, failed queries.
    type Measured = (Option<f64>, Vec<(Dur, Option<f64>)>, Vec<String>);
    let mut measured: Vec<Measured> = slos
        .iter()
        .map(|_| (None, Vec::new(), Vec::new()))
        .collect();
    for (i, w, r) in results {
        let value = match r {
            // Several series (an SLI by label): the worst one counts.
            Ok(series) => series
                .iter()
                .filter_map(|s| s.samples.last().map(|p| p.1))
                .filter(|v| v.is_finite())
                .reduce(f64::max),
            Err(e) if e.is_unreachable() => return Err(Error::Downstream(e.to_string())),
            Err(e) => {
                measured[i].2.push(e.to_string());
                None
            }
        };
        match w {
            None => measured[i].0 = value,
            Some(w) => measured[i].1.push((w, value)),
        }
    }
    let statuses: Vec<srehub_slo::status::SloStatus> = slos
        .iter()
        .zip(measured)
        .zip(&periods)
        .map(|((slo, (period_ratio, burns, errors)), (label, m))| {
            status(slo, label.clone(), *m, period_ratio, &burns, errors)
        })
        .collect();
    let input = srehub_checks::slo::SloInput {
        statuses: &statuses,
    };
    let (findings, ran) = srehub_core::run_checks(srehub_checks::slo::CHECKS, &input, &selection);
    let mut report = srehub_core::Report::new("slo", now, findings, ran)
        .with_target(srehub_http::redact(&req.prometheus));
    for s in &statuses {
        let pct =
            |v: Option<f64>| v.map_or("no data".to_string(), |v| format!("{:.3} %", v * 100.0));
        report.note(
            srehub_core::NoteLevel::Info,
            format!(
                "{} {}: SLI {} over {} (objective {} %), budget left {}, burn {}{}",
                s.service,
                s.name,
                pct(s.sli),
                s.period,
                s.objective,
                s.budget_remaining
                    .map_or("unknown".to_string(), |b| format!("{:.0} %", b * 100.0)),
                s.burn_rates
                    .iter()
                    .map(|(w, b)| format!(
                        "{w} {}",
                        b.map_or("–".to_string(), |b| format!("{b:.2}×"))
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.exhaustion_hours
                    .map(|h| format!(", exhausted in {h:.0} h at the current pace"))
                    .unwrap_or_default()
            ),
        );
    }
    Ok(report)
}
