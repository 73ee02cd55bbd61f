//! Suppressions written in the linted files themselves, and baselines of known findings.
//!
//! - `# srehub:ignore CODE[,CODE…] [reason]` (or `// srehub:ignore …`) at the end of the finding's line,
//!   or alone on the line above it, silences those checks there. Names work as codes; `all` silences
//!   every check.
//! - `# srehub:ignore-file CODE[,CODE…] [reason]` anywhere in a file silences those checks in the file.

use std::collections::HashMap;

use crate::Finding;

/// The checks named by one directive.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Directive {
    checks: Vec<String>,
    whole_file: bool,
}

fn directive(line: &str) -> Option<Directive> {
    let at = line.find("srehub:ignore")?;
    let before = line[..at].trim_end();
    if !(before.ends_with('#') || before.ends_with("//")) {
        return None;
    }
    let rest = &line[at + "srehub:ignore".len()..];
    let (whole_file, rest) = match rest.strip_prefix("-file") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if !rest.is_empty() && !rest.starts_with([' ', '\t', '=']) {
        return None;
    }
    let rest = rest.trim_start_matches(['=', ' ', '\t']);
    let first = rest.split_whitespace().next().unwrap_or("");
    let checks: Vec<String> = first
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    (!checks.is_empty()).then_some(Directive { checks, whole_file })
}

fn names(d: &Directive, f: &Finding) -> bool {
    d.checks
        .iter()
        .any(|c| c == "all" || c.eq_ignore_ascii_case(&f.check) || c.eq_ignore_ascii_case(&f.name))
}

/// The directives of one file.
#[derive(Debug, Default)]
struct FileDirectives {
    /// Line (1-based) → directives that apply to it.
    lines: HashMap<u32, Vec<Directive>>,
    file: Vec<Directive>,
}

fn scan(text: &str) -> FileDirectives {
    let mut out = FileDirectives::default();
    for (i, line) in text.lines().enumerate() {
        if !line.contains("srehub:ignore") {
            continue;
        }
        let Some(d) = directive(line) else { continue };
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if d.whole_file {
            out.file.push(d);
            continue;
        }
        let comment_only = {
            let t = line.trim_start();
            t.starts_with('#') || t.starts_with("//")
        };
        // A comment alone on its line covers the next line; a trailing one covers its own line.
        let target = if comment_only { n.saturating_add(1) } else { n };
        out.lines.entry(target).or_default().push(d);
    }
    out
}

/// Removes the findings that an inline directive in their file silences; `text_of` gives a file's text
/// (`None` for files it does not have). Returns how many were removed.
pub fn apply_inline<'t>(
    findings: &mut Vec<Finding>,
    text_of: impl Fn(&str) -> Option<&'t str>,
) -> usize {
    let mut cache: HashMap<String, FileDirectives> = HashMap::new();
    let before = findings.len();
    findings.retain(|f| {
        let Some(loc) = &f.location else { return true };
        let dirs = cache.entry(loc.file.clone()).or_insert_with(|| {
            text_of(&loc.file)
                .filter(|t| memchr::memmem::find(t.as_bytes(), b"srehub:ignore").is_some())
                .map(scan)
                .unwrap_or_default()
        });
        if dirs.file.iter().any(|d| names(d, f)) {
            return false;
        }
        let Some(line) = loc.line else { return true };
        !dirs
            .lines
            .get(&line)
            .is_some_and(|ds| ds.iter().any(|d| names(d, f)))
    });
    before - findings.len()
}

/// What identifies a finding across runs: check, file, resource and message, not the line (which moves
/// when lines are added above it).
fn fingerprint(f: &Finding) -> (String, String, String, String) {
    (
        f.check.clone(),
        f.location
            .as_ref()
            .map(|l| l.file.clone())
            .unwrap_or_default(),
        f.resource
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        f.message.clone(),
    )
}

/// Removes the findings already in `baseline` (a previous report's findings); each baseline entry
/// absorbs one finding, so a second copy of a known problem is still reported. Returns how many.
pub fn apply_baseline(findings: &mut Vec<Finding>, baseline: &[Finding]) -> usize {
    let mut known: HashMap<(String, String, String, String), usize> = HashMap::new();
    for b in baseline {
        *known.entry(fingerprint(b)).or_default() += 1;
    }
    let before = findings.len();
    findings.retain(|f| match known.get_mut(&fingerprint(f)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    before - findings.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, CheckMeta, Location, Severity};

    const META: CheckMeta = CheckMeta {
        code: "K8S003",
        name: "container-without-memory-limit",
        severity: Severity::Warning,
        category: Category::Reliability,
        group: "audit",
        raw_doc: "",
    };

    fn at(file: &str, line: u32) -> Finding {
        Finding::new(&META, "m").location(Location {
            file: file.into(),
            line: Some(line),
            column: Some(1),
        })
    }

    #[test]
    fn directives_on_the_line_or_the_line_above_silence_a_finding() {
        let text = "a: 1\n# srehub:ignore K8S003 reviewed with the team\nb: 2\nc: 3 # srehub:ignore container-without-memory-limit\nd: 4\n";
        let mut f = vec![at("x", 3), at("x", 4), at("x", 5), at("y", 3)];
        let n = apply_inline(&mut f, |p| (p == "x").then_some(text));
        assert_eq!(n, 2);
        assert_eq!(
            f.iter()
                .map(|f| f.location.as_ref().unwrap().line.unwrap())
                .collect::<Vec<_>>(),
            vec![5, 3]
        );
    }

    #[test]
    fn file_directives_and_other_codes() {
        let text = "// srehub:ignore-file=K8S003,DKR001\nx\n# srehub:ignore DKR002\ny\n";
        let mut f = vec![at("x", 2), at("x", 4)];
        assert_eq!(apply_inline(&mut f, |_| Some(text)), 2);
        let mut f = vec![at("x", 4)];
        let other = "# srehub:ignore DKR002\ny\n# srehub:ignored K8S003\nz\n";
        assert_eq!(apply_inline(&mut f, |_| Some(other)), 0);
    }

    #[test]
    fn a_baseline_absorbs_known_findings_once_whatever_their_line() {
        let mut f = vec![at("x", 10), at("x", 11), at("z", 1)];
        let n = apply_baseline(&mut f, &[at("x", 3)]);
        assert_eq!(n, 1);
        assert_eq!(f.len(), 2);
    }
}
