//! Sloth's specs: the `prometheus/v1` file and the `PrometheusServiceLevel` resource (the same fields in
//! camelCase under `spec`). Sloth plugins (`sli.plugin`) are not supported: their queries live in Go
//! code outside the spec.

use std::collections::BTreeMap;

use super::decode::{At, SpecError};
use super::{AlertOverride, Alerting, K8sMeta, ServiceSlos, Sli, Slo, SpecKind, Window, check_slo};
use crate::spec::Dur;

/// Field names of the two spellings.
struct Names {
    error_query: &'static str,
    total_query: &'static str,
    error_ratio_query: &'static str,
    page_alert: &'static str,
    ticket_alert: &'static str,
}

const SNAKE: Names = Names {
    error_query: "error_query",
    total_query: "total_query",
    error_ratio_query: "error_ratio_query",
    page_alert: "page_alert",
    ticket_alert: "ticket_alert",
};

const CAMEL: Names = Names {
    error_query: "errorQuery",
    total_query: "totalQuery",
    error_ratio_query: "errorRatioQuery",
    page_alert: "pageAlert",
    ticket_alert: "ticketAlert",
};

pub(super) fn read_v1(at: &At<'_>) -> Result<ServiceSlos, SpecError> {
    let mut f = at.fields()?;
    f.req("version")?;
    let service = f.req("service")?.text()?;
    let labels = match f.opt("labels") {
        Some(l) => l.string_map()?,
        None => BTreeMap::new(),
    };
    let slos = f.req("slos")?;
    f.done()?;
    Ok(ServiceSlos {
        file: at.file.to_string(),
        kind: SpecKind::SlothV1,
        slos: read_slos(&slos, &service, &labels, &SNAKE)?,
        service,
        k8s: None,
    })
}

pub(super) fn read_crd(at: &At<'_>) -> Result<ServiceSlos, SpecError> {
    let mut f = at.fields()?;
    f.req("apiVersion")?;
    let kind = f.req("kind")?;
    if kind.str()? != "PrometheusServiceLevel" {
        return Err(kind.error(format!(
            "unsupported kind `{}` (expected PrometheusServiceLevel)",
            kind.str()?
        )));
    }
    let meta = f.req("metadata")?;
    let mut m = meta.fields()?;
    let k8s = K8sMeta {
        name: m.req("name")?.text()?,
        namespace: m.opt("namespace").map(|n| n.text()).transpose()?,
        labels: m
            .opt("labels")
            .map(|l| l.string_map())
            .transpose()?
            .unwrap_or_default(),
    };
    m.ignore(&[
        "annotations",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
    ]);
    m.done()?;
    let spec = f.req("spec")?;
    f.ignore(&["status"]);
    f.done()?;
    let mut s = spec.fields()?;
    let service = s.req("service")?.text()?;
    let labels = match s.opt("labels") {
        Some(l) => l.string_map()?,
        None => BTreeMap::new(),
    };
    let slos = s.req("slos")?;
    s.done()?;
    Ok(ServiceSlos {
        file: at.file.to_string(),
        kind: SpecKind::SlothCrd,
        slos: read_slos(&slos, &service, &labels, &CAMEL)?,
        service,
        k8s: Some(k8s),
    })
}

fn read_slos(
    list: &At<'_>,
    service: &str,
    service_labels: &BTreeMap<String, String>,
    n: &Names,
) -> Result<Vec<Slo>, SpecError> {
    let items = list.items()?;
    if items.is_empty() {
        return Err(list.error("no SLOs"));
    }
    items
        .iter()
        .map(|item| read_slo(item, service, service_labels, n))
        .collect()
}

fn read_slo(
    at: &At<'_>,
    service: &str,
    service_labels: &BTreeMap<String, String>,
    n: &Names,
) -> Result<Slo, SpecError> {
    let mut f = at.fields()?;
    let name = f.req("name")?.text()?;
    let objective_at = f.req("objective")?;
    let objective = objective_at.number()?;
    let description = f.opt("description").map(|d| d.text()).transpose()?;
    let mut labels = service_labels.clone();
    if let Some(l) = f.opt("labels") {
        labels.extend(l.string_map()?);
    }
    let sli_at = f.req("sli")?;
    let alerting_at = f.opt("alerting");
    f.done()?;
    let sli = read_sli(&sli_at, n)?;
    let alerting = match alerting_at {
        Some(a) => read_alerting(&a, n)?,
        None => Alerting::None,
    };
    let slo = Slo {
        file: at.file.to_string(),
        pos: at.pos(),
        service: service.to_string(),
        id: format!("{service}-{name}"),
        name,
        description,
        objective,
        labels,
        sli,
        // Sloth's default period; `--default-period` style overrides are not part of the spec.
        window: Window::Rolling(Dur::days(30)),
        alerting,
    };
    check_slo(&objective_at, &slo)?;
    Ok(slo)
}

fn read_sli(at: &At<'_>, n: &Names) -> Result<Sli, SpecError> {
    let mut f = at.fields()?;
    let events = f.opt("events");
    let raw = f.opt("raw");
    let plugin = f.opt("plugin");
    f.done()?;
    match (events, raw, plugin) {
        (Some(e), None, None) => {
            let mut ef = e.fields()?;
            let error = ef.req(n.error_query)?.text()?;
            let total = ef.req(n.total_query)?.text()?;
            ef.done()?;
            Ok(Sli::Events { error, total })
        }
        (None, Some(r), None) => {
            let mut rf = r.fields()?;
            let error_ratio = rf.req(n.error_ratio_query)?.text()?;
            rf.done()?;
            Ok(Sli::Raw { error_ratio })
        }
        (None, None, Some(p)) => Err(p.error(
            "Sloth SLI plugins are not supported (their queries are Go code outside the spec): \
             write the plugin's queries as `events` or `raw`",
        )),
        (None, None, None) => Err(at.error("one of `events` or `raw` is required")),
        _ => Err(at.error("only one of `events`, `raw` or `plugin` may be given")),
    }
}

fn read_alerting(at: &At<'_>, n: &Names) -> Result<Alerting, SpecError> {
    let mut f = at.fields()?;
    let name_at = f.req("name")?;
    let name = name_at.text()?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
    {
        return Err(name_at.error(format!("`{name}` is not a valid alert name")));
    }
    let labels = f
        .opt("labels")
        .map(|l| l.string_map())
        .transpose()?
        .unwrap_or_default();
    let annotations = f
        .opt("annotations")
        .map(|l| l.string_map())
        .transpose()?
        .unwrap_or_default();
    let page = read_alert(f.opt(n.page_alert))?;
    let ticket = read_alert(f.opt(n.ticket_alert))?;
    f.done()?;
    Ok(Alerting::Mwmb {
        name,
        labels,
        annotations,
        page,
        ticket,
    })
}

/// An enabled alert's overrides; `None` when disabled.
fn read_alert(at: Option<At<'_>>) -> Result<Option<AlertOverride>, SpecError> {
    let Some(at) = at else {
        return Ok(Some(AlertOverride::default()));
    };
    let mut f = at.fields()?;
    let disable = f.opt("disable").map(|d| d.bool()).transpose()?;
    let labels = f
        .opt("labels")
        .map(|l| l.string_map())
        .transpose()?
        .unwrap_or_default();
    let annotations = f
        .opt("annotations")
        .map(|l| l.string_map())
        .transpose()?
        .unwrap_or_default();
    f.done()?;
    Ok((disable != Some(true)).then_some(AlertOverride {
        labels,
        annotations,
    }))
}
