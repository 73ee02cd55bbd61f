//! The burn-rate policy: which window pairs alert, at what share of the error budget. The defaults are
//! the Google SRE Workbook's for a 30-day period (page: 2 % of the budget in 1 h or 5 % in 6 h;
//! ticket: 10 % in 1 d or in 3 d), which give the factors 14.4, 6, 3 and 1; for other periods the
//! factors follow from the same budget shares (28 days: 13.44, 5.6, 2.8, 0.933…).

use crate::ratio::Ratio;
use crate::spec::decode::{At, SpecError};
use crate::spec::{BurnCondition, Dur};

/// One window pair: fire when `budget_percent` % of the period's budget would be spent in `long`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRule {
    pub long: Dur,
    pub short: Dur,
    pub budget_percent: Ratio,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnPolicy {
    pub page: Vec<WindowRule>,
    pub ticket: Vec<WindowRule>,
}

impl Default for BurnPolicy {
    fn default() -> Self {
        let w = |long: &str, short: &str, pct: i64| WindowRule {
            long: Dur::parse(long).unwrap_or(Dur(3600)),
            short: Dur::parse(short).unwrap_or(Dur(300)),
            budget_percent: Ratio::int(pct),
        };
        BurnPolicy {
            page: vec![w("1h", "5m", 2), w("6h", "30m", 5)],
            ticket: vec![w("1d", "2h", 10), w("3d", "6h", 10)],
        }
    }
}

impl BurnPolicy {
    /// Reads a policy file:
    ///
    /// ```yaml
    /// page:
    ///   - {long: 1h, short: 5m, budget_percent: 2}
    ///   - {long: 6h, short: 30m, budget_percent: 5}
    /// ticket:
    ///   - {long: 1d, short: 2h, budget_percent: 10}
    ///   - {long: 3d, short: 6h, budget_percent: 10}
    /// ```
    pub fn read(file: &str, text: &str) -> Result<BurnPolicy, SpecError> {
        let docs = srehub_model::yaml::parse(text).map_err(|e| SpecError {
            file: file.to_string(),
            pos: e.pos,
            path: "(document)".into(),
            message: format!("not valid YAML: {}", e.message),
        })?;
        let Some(doc) = docs.first() else {
            return Err(SpecError {
                file: file.to_string(),
                pos: Default::default(),
                path: "(document)".into(),
                message: "empty burn-rate policy".into(),
            });
        };
        let at = At::root(file, &doc.root);
        let mut f = at.fields()?;
        let page = rules(f.opt("page"))?;
        let ticket = rules(f.opt("ticket"))?;
        f.done()?;
        if page.is_empty() && ticket.is_empty() {
            return Err(at.error("neither `page` nor `ticket` windows"));
        }
        Ok(BurnPolicy { page, ticket })
    }

    /// The conditions of the page (or ticket) alert for a period.
    pub fn conditions(rules: &[WindowRule], period: Dur) -> Vec<BurnCondition> {
        rules
            .iter()
            .map(|r| BurnCondition {
                factor: r
                    .budget_percent
                    .over(Ratio::int(100))
                    .times(period.hours())
                    .over(r.long.hours()),
                long: r.long,
                short: r.short,
                alert_after: None,
            })
            .collect()
    }
}

fn rules(at: Option<At<'_>>) -> Result<Vec<WindowRule>, SpecError> {
    let Some(at) = at else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in at.items()? {
        let mut f = item.fields()?;
        let dur = |a: At<'_>| {
            Dur::parse(a.str()?).ok_or_else(|| a.error("expected a duration such as 5m or 1h"))
        };
        let long = dur(f.req("long")?)?;
        let short = dur(f.req("short")?)?;
        let pct_at = f.req("budget_percent")?;
        let budget_percent = pct_at.number()?;
        f.done()?;
        if short >= long {
            return Err(item.error("the short window must be shorter than the long one"));
        }
        if !(budget_percent.is_positive() && budget_percent <= Ratio::int(100)) {
            return Err(pct_at.error("budget_percent must be in (0, 100]"));
        }
        out.push(WindowRule {
            long,
            short,
            budget_percent,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_factors_for_30_and_28_days() {
        let p = BurnPolicy::default();
        let f = |rules: &[WindowRule], days| {
            BurnPolicy::conditions(rules, Dur::days(days))
                .iter()
                .map(|c| c.factor.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(f(&p.page, 30), ["14.4", "6"]);
        assert_eq!(f(&p.ticket, 30), ["3", "1"]);
        assert_eq!(f(&p.page, 28), ["13.44", "5.6"]);
        assert_eq!(f(&p.ticket, 28), ["2.8", "0.933333333333"]);
    }

    #[test]
    fn a_policy_file_is_checked() {
        let p = BurnPolicy::read(
            "w.yml",
            "page:\n  - {long: 2h, short: 10m, budget_percent: 3}\n",
        )
        .unwrap();
        assert_eq!(p.page.len(), 1);
        assert!(p.ticket.is_empty());
        let e = BurnPolicy::read(
            "w.yml",
            "page:\n  - {long: 5m, short: 1h, budget_percent: 2}\n",
        )
        .unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("shorter"), "{e}");
        let e = BurnPolicy::read("w.yml", "pager: []\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `pager`"), "{e}");
    }
}
