//! The plan of a run, resolved from flags and an optional scenario file: which requests, at what load,
//! for how long, judged by which thresholds. Everything is validated here, before any traffic.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Uri};

use crate::Error;
use crate::client::{ConnectTo, Origin};
use crate::scenario::{DataOrder, DataSpec, Scenario};
use crate::schedule::{Profile, Stage};
use crate::threshold::Threshold;

/// The flags of `srehub load`, all optional (a scenario file may give them instead).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub url: Option<String>,
    pub scenario: Option<PathBuf>,
    pub connections: Option<u64>,
    pub duration: Option<Duration>,
    pub requests: Option<u64>,
    pub rate: Option<f64>,
    pub method: Option<String>,
    /// `Name: value`.
    pub headers: Vec<String>,
    pub body: Option<Bytes>,
    pub content_type: Option<String>,
    /// `user:password`.
    pub basic_auth: Option<String>,
    pub bearer: Option<String>,
    pub http2: bool,
    pub insecure: bool,
    pub timeout: Option<Duration>,
    pub redirects: Option<u32>,
    pub disable_keepalive: bool,
    pub connect_to: Vec<ConnectTo>,
    pub thresholds: Vec<String>,
}

/// Defaults, as oha and hey have them.
pub const DEFAULT_CONNECTIONS: u64 = 50;
pub const DEFAULT_REQUESTS: u64 = 200;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_REDIRECTS: u32 = 10;

/// A piece of text with `{{variable}}` references.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    Fixed(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    /// A column of the data file.
    Var(usize),
}

impl Template {
    fn parse(text: &str, columns: &[String], what: &str) -> Result<Template, Error> {
        if !text.contains("{{") {
            return Ok(Template::Fixed(text.to_string()));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| {
                Error::Usage(format!(
                    "{what}: `{{{{` without a closing `}}}}` in `{text}`"
                ))
            })?;
            let name = after[..close].trim();
            let col = columns.iter().position(|c| c == name).ok_or_else(|| {
                Error::Usage(format!(
                    "{what}: unknown variable `{name}`{}",
                    if columns.is_empty() {
                        " (give a `data:` CSV file whose header names it)".to_string()
                    } else {
                        format!(" (the data file has {})", columns.join(", "))
                    }
                ))
            })?;
            parts.push(Part::Var(col));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template::Parts(parts))
    }

    /// The text for one data row.
    pub fn render<'a>(&'a self, row: Option<&[String]>) -> std::borrow::Cow<'a, str> {
        match self {
            Template::Fixed(s) => std::borrow::Cow::Borrowed(s),
            Template::Parts(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Var(i) => {
                            out.push_str(row.and_then(|r| r.get(*i)).map_or("", String::as_str))
                        }
                    }
                }
                std::borrow::Cow::Owned(out)
            }
        }
    }

    fn is_fixed(&self) -> bool {
        matches!(self, Template::Fixed(_))
    }
}

/// One request of the plan.
#[derive(Debug, Clone)]
pub struct RequestPlan {
    pub name: String,
    pub method: Method,
    pub url: Template,
    /// Parsed once when the URL has no variables, with its origin and `Host` value.
    pub fixed_uri: Option<Uri>,
    pub origin: Option<Origin>,
    pub host: Option<HeaderValue>,
    pub headers: Vec<(HeaderName, Template)>,
    /// The headers without variables (and the user agent), built once and cloned per request.
    pub fixed_headers: http::HeaderMap,
    pub body: BodyPlan,
}

#[derive(Debug, Clone)]
pub enum BodyPlan {
    Fixed(Bytes),
    Template(Template),
}

/// Rows of variables.
#[derive(Debug, Clone)]
pub struct Data {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub order: DataOrder,
}

/// How load is offered.
#[derive(Debug, Clone)]
pub enum ModelPlan {
    /// Connections (constant or staged), each sending as fast as answers come.
    Closed { connections: Profile },
    /// Arrival rate (constant or staged) over a fixed pool of connections.
    Open { rate: Profile, connections: u64 },
}

/// A validated run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// The report's target: the URL without credentials, or the scenario's name.
    pub target: String,
    pub requests: Vec<RequestPlan>,
    /// Request indexes in weight order: request `i` of the run is `cycle[i % len]`.
    pub cycle: Vec<u16>,
    pub data: Option<Data>,
    pub model: ModelPlan,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop after this many requests.
    pub max_requests: Option<u64>,
    pub timeout: Duration,
    pub redirects: u32,
    pub keepalive: bool,
    pub http2: bool,
    pub insecure: bool,
    pub connect_to: Vec<ConnectTo>,
    pub thresholds: Vec<Threshold>,
}

impl LoadPlan {
    /// The most connections the run opens.
    pub fn max_connections(&self) -> u64 {
        match &self.model {
            ModelPlan::Closed { connections } => connections.peak().ceil() as u64,
            ModelPlan::Open { connections, .. } => *connections,
        }
    }

    /// The origins requests go to (one, unless a scenario mixes hosts).
    pub fn origins(&self) -> Vec<Origin> {
        let mut out: Vec<Origin> = Vec::new();
        for r in &self.requests {
            if let Some(o) = r.fixed_uri.as_ref().and_then(Origin::of)
                && !out.contains(&o)
            {
                out.push(o);
            }
        }
        out
    }
}

fn parse_duration(what: &str, s: &str) -> Result<Duration, Error> {
    srehub_core::duration::parse(s).ok_or_else(|| {
        Error::Usage(format!(
            "{what} `{s}` is not a duration: write 30s, 5m or 1h30m"
        ))
    })
}

/// Builds the plan from flags and an optional scenario (flags win).
pub fn build(opts: &LoadOptions) -> Result<LoadPlan, Error> {
    let (scenario, dir) = match &opts.scenario {
        Some(p) => {
            let (s, d) = crate::scenario::load(p)?;
            (Some(s), d)
        }
        None => (None, PathBuf::from(".")),
    };
    build_with(opts, scenario.as_ref(), &dir)
}

/// Builds the plan from flags and an already parsed scenario whose relative paths start at `dir`.
pub fn build_with(
    opts: &LoadOptions,
    scenario: Option<&Scenario>,
    dir: &Path,
) -> Result<LoadPlan, Error> {
    let data = match scenario.and_then(|s| s.data.as_ref()) {
        Some(spec) => Some(read_data(spec, dir)?),
        None => None,
    };
    let columns: &[String] = data.as_ref().map_or(&[], |d| &d.columns);

    // Headers every request gets: the scenario's, then the flags'.
    let mut common: Vec<(String, String)> = scenario
        .map(|s| {
            s.headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    for h in &opts.headers {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| Error::Usage(format!("-H `{h}`: write a header as `Name: value`")))?;
        common.push((k.trim().to_string(), v.trim().to_string()));
    }
    if let Some(ct) = &opts.content_type {
        common.push(("content-type".into(), ct.clone()));
    }
    if let Some(auth) = &opts.basic_auth {
        if !auth.contains(':') {
            return Err(Error::Usage(
                "-a: write basic auth as `user:password`".into(),
            ));
        }
        common.push((
            "authorization".into(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(auth)
            ),
        ));
    }
    if let Some(token) = &opts.bearer {
        common.push(("authorization".into(), format!("Bearer {token}")));
    }

    let specs: Vec<crate::scenario::RequestSpec> = match (scenario, &opts.url) {
        (Some(s), None) => {
            if s.requests.is_empty() {
                return Err(Error::Usage("the scenario has no `requests`".into()));
            }
            s.requests.clone()
        }
        (_, Some(url)) => vec![crate::scenario::RequestSpec {
            name: Some("default".into()),
            weight: 1,
            method: None,
            path: None,
            url: Some(url.clone()),
            headers: Default::default(),
            body: None,
            body_file: None,
        }],
        (None, None) => return Err(Error::Usage("give a URL or --scenario FILE".into())),
    };

    let mut requests = Vec::with_capacity(specs.len());
    let mut weights = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| format!("request-{}", i + 1));
        let what = if scenario.is_none() {
            "the URL".to_string()
        } else {
            format!("request `{name}`")
        };
        let raw_url = match (&spec.url, &spec.path) {
            (Some(u), None) => u.clone(),
            (None, Some(p)) => {
                let base = scenario
                    .and_then(|s| s.base_url.as_deref())
                    .ok_or_else(|| {
                        Error::Usage(format!("{what}: `path` needs the scenario's `base_url`"))
                    })?;
                format!("{}{}", base.trim_end_matches('/'), p)
            }
            (Some(_), Some(_)) => {
                return Err(Error::Usage(format!(
                    "{what}: give `url` or `path`, not both"
                )));
            }
            (None, None) => {
                return Err(Error::Usage(format!("{what}: give `url` or `path`")));
            }
        };
        let url = Template::parse(&raw_url, columns, &what)?;
        let fixed_uri = if url.is_fixed() {
            Some(check_url(&raw_url, &what)?)
        } else {
            // Validate the shape with an empty row.
            check_url(&url.render(None), &what)?;
            None
        };
        let method_text = opts
            .method
            .clone()
            .or_else(|| spec.method.clone())
            .unwrap_or_else(|| "GET".into());
        let method = Method::from_bytes(method_text.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::Usage(format!("{what}: `{method_text}` is not an HTTP method")))?;
        let mut headers = Vec::new();
        for (k, v) in common
            .iter()
            .map(|(k, v)| (k, v))
            .chain(spec.headers.iter())
        {
            let hn = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::Usage(format!("{what}: `{k}` is not a header name")))?;
            let t = Template::parse(v, columns, &what)?;
            if let Template::Fixed(s) = &t {
                HeaderValue::from_str(s).map_err(|_| {
                    Error::Usage(format!("{what}: the value of header `{k}` is not valid"))
                })?;
            }
            // A later header of the same name replaces the earlier one.
            headers.retain(|(n, _): &(HeaderName, Template)| n != hn);
            headers.push((hn, t));
        }
        let body = match (&opts.body, &spec.body, &spec.body_file) {
            (Some(b), _, _) => BodyPlan::Fixed(b.clone()),
            (None, Some(b), None) => match Template::parse(b, columns, &what)? {
                Template::Fixed(s) => BodyPlan::Fixed(Bytes::from(s)),
                t => BodyPlan::Template(t),
            },
            (None, None, Some(f)) => {
                let path = dir.join(f);
                BodyPlan::Fixed(Bytes::from(
                    std::fs::read(&path).map_err(|source| Error::Read { path, source })?,
                ))
            }
            (None, Some(_), Some(_)) => {
                return Err(Error::Usage(format!(
                    "{what}: give `body` or `body_file`, not both"
                )));
            }
            (None, None, None) => BodyPlan::Fixed(Bytes::new()),
        };
        if spec.weight == 0 {
            return Err(Error::Usage(format!("{what}: weight must be at least 1")));
        }
        weights.push(spec.weight);
        let mut fixed_headers = http::HeaderMap::new();
        fixed_headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        for (n, t) in &headers {
            if let Template::Fixed(v) = t
                && let Ok(v) = HeaderValue::from_str(v)
            {
                fixed_headers.insert(n.clone(), v);
            }
        }
        headers.retain(|(_, t)| !t.is_fixed());
        let origin = fixed_uri.as_ref().and_then(Origin::of);
        let host = fixed_uri.as_ref().and_then(host_value);
        requests.push(RequestPlan {
            name,
            method,
            url,
            fixed_uri,
            origin,
            host,
            headers,
            fixed_headers,
            body,
        });
    }
    if requests.len() > usize::from(u16::MAX) {
        return Err(Error::Usage("a scenario has at most 65535 requests".into()));
    }

    // Load.
    let sc_duration = scenario
        .and_then(|s| s.duration.as_deref())
        .map(|d| parse_duration("duration", d))
        .transpose()?;
    let run_duration = opts.duration.or(sc_duration);
    let rate = opts.rate.or(scenario.and_then(|s| s.rate));
    if let Some(r) = rate
        && !(r.is_finite() && r > 0.0)
    {
        return Err(Error::Usage(format!(
            "rate {r}: must be more than 0 requests per second"
        )));
    }
    let connections = opts.connections.or(scenario.and_then(|s| s.connections));
    if connections == Some(0) {
        return Err(Error::Usage("connections must be at least 1".into()));
    }
    let stages = scenario.map_or(&[][..], |s| &s.stages[..]);
    let model = if !stages.is_empty() {
        let mut parsed = Vec::new();
        let mut kind: Option<bool> = None; // Some(true) = rate
        for (i, st) in stages.iter().enumerate() {
            let d = parse_duration(&format!("stage {}", i + 1), &st.duration)?;
            let (is_rate, target) = match (st.rate, st.connections) {
                (Some(r), None) => (true, r),
                (None, Some(c)) => (false, c as f64),
                _ => {
                    return Err(Error::Usage(format!(
                        "stage {}: give `rate` or `connections`",
                        i + 1
                    )));
                }
            };
            if !(target.is_finite() && target >= 0.0) {
                return Err(Error::Usage(format!(
                    "stage {}: target must be 0 or more",
                    i + 1
                )));
            }
            if kind.is_some_and(|k| k != is_rate) {
                return Err(Error::Usage(
                    "stages ramp either `rate` (open model) or `connections` (closed model), not both"
                        .into(),
                ));
            }
            kind = Some(is_rate);
            parsed.push(Stage {
                duration_s: d.as_secs_f64(),
                target,
            });
        }
        if kind == Some(true) {
            let profile = Profile::staged(0.0, &parsed);
            if profile.peak() <= 0.0 {
                return Err(Error::Usage("every stage has a rate of 0".into()));
            }
            ModelPlan::Open {
                rate: profile,
                connections: connections.unwrap_or(DEFAULT_CONNECTIONS),
            }
        } else {
            let profile = Profile::staged(1.0, &parsed);
            ModelPlan::Closed {
                connections: profile,
            }
        }
    } else if let Some(r) = rate {
        ModelPlan::Open {
            rate: Profile::constant(r, None),
            connections: connections.unwrap_or(DEFAULT_CONNECTIONS),
        }
    } else {
        ModelPlan::Closed {
            connections: Profile::constant(connections.unwrap_or(DEFAULT_CONNECTIONS) as f64, None),
        }
    };
    let stage_duration = match &model {
        ModelPlan::Closed { connections } => connections.duration_s(),
        ModelPlan::Open { rate, .. } => rate.duration_s(),
    }
    .map(Duration::from_secs_f64);
    let duration = match (run_duration, stage_duration) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if duration == Some(Duration::ZERO) {
        return Err(Error::Usage("the duration must be more than 0".into()));
    }
    if opts.requests == Some(0) {
        return Err(Error::Usage("-n must be at least 1".into()));
    }
    let max_requests = opts
        .requests
        .or((duration.is_none()).then_some(DEFAULT_REQUESTS));

    let timeout = match opts.timeout {
        Some(t) => t,
        None => match scenario.and_then(|s| s.timeout.as_deref()) {
            Some(t) => parse_duration("timeout", t)?,
            None => DEFAULT_TIMEOUT,
        },
    };
    if timeout.is_zero() {
        return Err(Error::Usage("--timeout must be more than 0".into()));
    }
    let thresholds = opts
        .thresholds
        .iter()
        .chain(scenario.map_or(&[][..], |s| &s.thresholds[..]))
        .map(|t| t.parse())
        .collect::<Result<Vec<Threshold>, Error>>()?;
    let target = match (scenario.and_then(|s| s.name.clone()), &opts.url) {
        (_, Some(u)) => srehub_http::redact(u),
        (Some(n), None) => n,
        (None, None) => requests
            .first()
            .map(|r| srehub_http::redact(&r.url.render(None)))
            .unwrap_or_default(),
    };
    Ok(LoadPlan {
        target,
        cycle: weighted_cycle(&weights),
        requests,
        data,
        model,
        duration,
        max_requests,
        timeout,
        redirects: opts.redirects.unwrap_or(DEFAULT_REDIRECTS),
        keepalive: !opts.disable_keepalive,
        http2: opts.http2,
        insecure: opts.insecure,
        connect_to: opts.connect_to.clone(),
        thresholds,
    })
}

/// The `User-Agent` of every request, unless a header replaces it.
pub const USER_AGENT: &str = concat!("srehub-load/", env!("CARGO_PKG_VERSION"));

/// The `Host` header of a URI (its authority without credentials).
pub fn host_value(uri: &Uri) -> Option<HeaderValue> {
    let a = uri.authority()?.as_str();
    let host = a.rsplit_once('@').map_or(a, |(_, h)| h);
    HeaderValue::from_str(host).ok()
}

fn check_url(url: &str, what: &str) -> Result<Uri, Error> {
    let uri: Uri = url.parse().map_err(|e| {
        Error::Usage(format!(
            "{what}: `{}` is not a URL: {e}",
            srehub_http::redact(url)
        ))
    })?;
    if Origin::of(&uri).is_none() {
        return Err(Error::Usage(format!(
            "{what}: `{}` is not an http:// or https:// URL with a host",
            srehub_http::redact(url)
        )));
    }
    Ok(uri)
}

fn read_data(spec: &DataSpec, dir: &Path) -> Result<Data, Error> {
    let (file, order) = match spec {
        DataSpec::File(f) => (f, DataOrder::Sequential),
        DataSpec::Detailed(d) => (&d.file, d.order),
    };
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path).map_err(|e| Error::Data {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Data {
            path: path.clone(),
            message: e.to_string(),
        })?
        .iter()
        .map(|c| c.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::Data {
            path: path.clone(),
            message: format!("row {}: {e}", i + 2),
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    if rows.is_empty() {
        return Err(Error::Data {
            path,
            message: "no rows after the header".into(),
        });
    }
    Ok(Data {
        columns,
        rows,
        order,
    })
}

/// Smooth weighted round robin (as nginx balances upstreams): weights 5, 1 give
/// `0 0 0 1 0 0`-like interleaving rather than runs, and exact shares over each cycle.
pub fn weighted_cycle(weights: &[u32]) -> Vec<u16> {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let g = weights
        .iter()
        .fold(0u64, |g, w| gcd(g, u64::from(*w)))
        .max(1);
    let w: Vec<i64> = weights.iter().map(|x| (u64::from(*x) / g) as i64).collect();
    let total: i64 = w.iter().sum();
    let len = total.clamp(1, 100_000) as usize;
    let mut current = vec![0i64; w.len()];
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let mut best = 0;
        for i in 0..w.len() {
            current[i] += w[i];
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(best as u16);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str) -> LoadOptions {
        LoadOptions {
            url: Some(url.into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_oha_s() {
        let p = build(&opts("http://127.0.0.1:8080/")).unwrap();
        assert_eq!(p.max_requests, Some(200));
        assert_eq!(p.max_connections(), 50);
        assert!(matches!(p.model, ModelPlan::Closed { .. }));
        assert_eq!(p.timeout, Duration::from_secs(20));
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for (o, needle) in [
            (opts("not a url"), "not a URL"),
            (opts("ftp://x/"), "not an http"),
            (
                LoadOptions {
                    rate: Some(0.0),
                    ..opts("http://a/")
                },
                "rate 0",
            ),
            (
                LoadOptions {
                    connections: Some(0),
                    ..opts("http://a/")
                },
                "connections",
            ),
            (
                LoadOptions {
                    headers: vec!["NoColon".into()],
                    ..opts("http://a/")
                },
                "Name: value",
            ),
            (
                LoadOptions {
                    thresholds: vec!["p99<soon".into()],
                    ..opts("http://a/")
                },
                "threshold",
            ),
            (LoadOptions::default(), "give a URL"),
        ] {
            let e = build(&o).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn credentials_never_reach_the_target_label() {
        let p = build(&opts("http://user:secret@127.0.0.1:1/x")).unwrap();
        assert_eq!(p.target, "http://127.0.0.1:1/x");
    }

    #[test]
    fn weights_interleave_with_exact_shares() {
        let c = weighted_cycle(&[5, 1]);
        assert_eq!(c.len(), 6);
        assert_eq!(c.iter().filter(|i| **i == 1).count(), 1);
        assert_eq!(weighted_cycle(&[2, 2]), vec![0, 1]);
    }

    #[test]
    fn templates_render_data_columns() {
        let cols = vec!["id".to_string(), "name".to_string()];
        let t = Template::parse("/u/{{id}}?n={{ name }}", &cols, "r").unwrap();
        assert_eq!(t.render(Some(&["7".into(), "x".into()])), "/u/7?n=x");
        let e = Template::parse("/u/{{nope}}", &cols, "r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variable `nope`"), "{e}");
    }

    #[test]
    fn stages_choose_the_model() {
        let s = crate::scenario::parse(
            "base_url: http://a\nrequests: [{path: /}]\nstages:\n  - {duration: 10s, rate: 100}\n  - {duration: 5s, rate: 100}\n",
            Path::new("s"),
        )
        .unwrap();
        let p = build_with(&LoadOptions::default(), Some(&s), Path::new(".")).unwrap();
        assert!(matches!(p.model, ModelPlan::Open { .. }));
        assert_eq!(p.duration, Some(Duration::from_secs(15)));
        assert_eq!(p.max_requests, None);
        let mixed = crate::scenario::parse(
            "base_url: http://a\nrequests: [{path: /}]\nstages:\n  - {duration: 10s, rate: 100}\n  - {duration: 5s, connections: 3}\n",
            Path::new("s"),
        )
        .unwrap();
        assert!(build_with(&LoadOptions::default(), Some(&mixed), Path::new(".")).is_err());
    }
}
