use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;

use super::CiInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `on.schedule[].cron` expressions of a GitHub workflow that are not valid five-field POSIX cron:
    /// minute (0–59), hour (0–23), day of month (1–31), month (1–12 or `JAN`–`DEC`) and day of week
    /// (0–6 or `SUN`–`SAT`), each a `*`, a value, a range `a-b`, a step `*/n` or `a-b/n`, or a list of
    /// those. Macros such as `@daily`, a seconds or year field, and Quartz syntax (`?`, `L`, `W`, `#`)
    /// are flagged. The message says which field is wrong.
    ///
    /// ## Why it matters
    /// GitHub does not run a workflow whose schedule it cannot parse, and reports it only in the
    /// Actions tab: the nightly build, backup or report simply stops.
    ///
    /// ## How to fix
    /// Write the five fields in UTC, e.g. `cron: '30 2 * * 1-5'` for 02:30 on weekdays. For `@daily`,
    /// write `0 0 * * *`; drop a seconds field.
    GHA008 CronInvalid { name: "cron-invalid", severity: Critical, category: Correctness, group: "ci" }
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
];

impl Check<CiInput<'_>> for CronInvalid {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GithubWorkflow {
            return;
        }
        let Some(schedule) = input.file.root.at(&["on", "schedule"]) else {
            return;
        };
        for entry in schedule.items() {
            let Some(cron) = entry.get("cron") else {
                continue;
            };
            let problem = match cron.as_str() {
                Some(text) => validate(text).err(),
                None => Some(format!(
                    "`cron` must be a string of five fields, found {}",
                    cron.value.type_name()
                )),
            };
            if let Some(problem) = problem {
                out.push(
                    input
                        .at(&Self::META, cron.pos, problem)
                        .hint("Use five fields in UTC: minute hour day-of-month month day-of-week, e.g. `0 3 * * 1-5`"),
                );
            }
        }
    }
}

/// Checks a cron expression; the error says which field is wrong and why.
fn validate(text: &str) -> Result<(), String> {
    let expr = text.trim();
    let shown = super::shorten(expr);
    if expr.starts_with('@') {
        return Err(format!(
            "cron `{shown}`: GitHub does not accept macros such as `@daily`; write five fields (`0 0 * * *`)"
        ));
    }
    let parts: Vec<&str> = expr.split_whitespace().collect();
    if parts.len() != 5 {
        let extra = if parts.len() == 6 {
            " (GitHub's cron has no seconds or year field)"
        } else {
            ""
        };
        return Err(format!(
            "cron `{shown}` has {} fields, not 5{extra}",
            parts.len()
        ));
    }
    let errors: Vec<String> = parts
        .iter()
        .zip(&FIELDS)
        .filter_map(|(p, f)| field(p, f).err().map(|e| format!("{} `{p}` {e}", f.name)))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("cron `{shown}`: {}", errors.join("; ")))
    }
}

fn field(text: &str, f: &Field) -> Result<(), String> {
    for item in text.split(',') {
        if item.is_empty() {
            return Err("has an empty list item".into());
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(s) = step {
            match s.parse::<u32>() {
                Ok(n) if n >= 1 && n <= f.max.max(1) => {}
                Ok(_) => return Err(format!("has step `{s}` outside 1–{}", f.max.max(1))),
                Err(_) => return Err(format!("has step `{s}`, which is not a number")),
            }
        }
        if range == "*" {
            continue;
        }
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (value(a, f)?, Some(value(b, f)?)),
            None => (value(range, f)?, None),
        };
        if let Some(hi) = hi
            && lo > hi
        {
            return Err(format!("is a range that runs backwards (`{range}`)"));
        }
    }
    Ok(())
}

fn value(v: &str, f: &Field) -> Result<u32, String> {
    if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
        return Ok(f.min + u32::try_from(i).unwrap_or(0));
    }
    let range = if f.names.is_empty() {
        format!("{}–{}", f.min, f.max)
    } else {
        format!(
            "{}–{} or {}–{}",
            f.min,
            f.max,
            f.names[0],
            f.names[f.names.len() - 1]
        )
    };
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("has `{v}`, which is not a value ({range})"));
    }
    match v.parse::<u32>() {
        Ok(n) if (f.min..=f.max).contains(&n) => Ok(n),
        _ => Err(format!("is outside {range}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{positions, workflow};

    #[test]
    fn expressions_are_validated() {
        for ok in [
            "* * * * *",
            "*/15 0-23/2 1,15 JAN-jun mon-FRI",
            "0 0 * * 0",
            "5 4 * * sun",
            "0 12 1 */3 *",
            "0 0 31 12 6",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("@daily", "macros"),
            ("0 0 * * * *", "no seconds"),
            ("0 24 * * *", "hour `24` is outside 0–23"),
            ("60 * * * *", "minute `60`"),
            ("0 0 0 * *", "day of month `0`"),
            ("0 0 * 13 *", "month `13` is outside 1–12 or JAN–DEC"),
            ("0 0 * * 7", "day of week `7`"),
            ("0 0 ? * MON", "day of month `?`"),
            ("*/0 * * * *", "step `0`"),
            ("0 5-1 * * *", "runs backwards"),
            ("0 0 * * 1,", "empty list item"),
            ("0 0 L * *", "not a value"),
            ("0 0 * * +1", "not a value"),
            ("1 2 3", "has 3 fields"),
        ] {
            let err = validate(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn triggers_on_invalid_schedules() {
        let text = "\
on:
  schedule:
    - cron: '0 3 * * 1-5'
    - cron: '0 25 * * MON'
    - cron: '@weekly'
jobs:
  nightly:
    runs-on: ubuntu-24.04
    steps: [{run: make}]
";
        let found = workflow(&CronInvalid, text);
        assert_eq!(positions(&found), [(4, 13), (5, 13)]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_valid_schedules() {
        let text = "on:\n  schedule:\n    - cron: '30 2 * * 1-5'\n    - cron: '0 */6 * * *'\n  push:\njobs:\n  a:\n    runs-on: x\n    steps: [{run: y}]\n";
        assert!(workflow(&CronInvalid, text).is_empty());
    }
}
