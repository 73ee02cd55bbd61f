use std::collections::BTreeMap;

use crate::{Category, Finding, Severity};

/// Everything known about a check without running it: the registry's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMeta {
    /// Stable code: a domain prefix and three digits (`K8S003`).
    pub code: &'static str,
    /// The pattern flagged, kebab-case (`container-without-memory-limit`).
    pub name: &'static str,
    /// Default severity of its findings.
    pub severity: Severity,
    pub category: Category,
    /// The part of a tool the check belongs to (`health`, `diagnose`, `audit`, …), or empty.
    pub group: &'static str,
    /// The check's documentation, Markdown, from its doc comment (each line with one leading space).
    pub raw_doc: &'static str,
}

impl CheckMeta {
    /// The documentation as Markdown.
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.raw_doc.len());
        for line in self.raw_doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The first sentence of "What it checks": a one-line summary for lists and SARIF.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let paragraph: Vec<&str> = doc
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty() || l.starts_with('#'))
            .take_while(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let text = paragraph.join(" ");
        let sentence = match text.find(". ") {
            Some(i) => &text[..=i],
            None => text.as_str(),
        };
        if sentence.is_empty() {
            self.name.to_string()
        } else {
            sentence.to_string()
        }
    }

    /// The "How to fix" section, if the doc has one.
    pub fn fix(&self) -> Option<String> {
        let doc = self.doc();
        let start = doc.find("## How to fix")? + "## How to fix".len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        let text = rest[..end].trim();
        (!text.is_empty()).then(|| text.to_string())
    }
}

/// Gives a check's metadata; implemented by [`declare_check!`](crate::declare_check).
pub trait HasMeta {
    /// The check's registry row.
    fn meta(&self) -> &'static CheckMeta;
}

/// A check over an analysis input `I` (a model plus settings and `now`). Checks are pure: they read the
/// input and push findings, nothing else.
pub trait Check<I: ?Sized>: HasMeta + Sync {
    /// Runs the check.
    fn run(&self, input: &I, out: &mut Findings);
}

/// Where checks put their findings.
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
}

impl Findings {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a finding.
    pub fn push(&mut self, f: Finding) {
        self.items.push(f);
    }
    /// The number collected so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The findings collected.
    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
    /// The findings collected, borrowed.
    pub fn as_slice(&self) -> &[Finding] {
        &self.items
    }
}

/// Declares a check: a unit struct with its registry metadata taken from the doc comment.
///
/// ```
/// use srehub_core::{declare_check, Check, Findings, Finding};
/// declare_check! {
///     /// ## What it checks
///     /// Things that are odd.
///     /// ## How to fix
///     /// Make them even.
///     XMP001 OddThing { name: "odd-thing", severity: Warning, category: Correctness, group: "demo" }
/// }
/// impl Check<[u32]> for OddThing {
///     fn run(&self, input: &[u32], out: &mut Findings) {
///         for n in input.iter().filter(|n| *n % 2 == 1) {
///             out.push(Finding::new(&Self::META, format!("{n} is odd")));
///         }
///     }
/// }
/// assert_eq!(OddThing::META.code, "XMP001");
/// ```
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $code:ident $ty:ident {
            name: $name:literal,
            severity: $sev:ident,
            category: $cat:ident,
            group: $group:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $ty;

        impl $ty {
            /// This check's registry row.
            pub const META: $crate::CheckMeta = $crate::CheckMeta {
                code: stringify!($code),
                name: $name,
                severity: $crate::Severity::$sev,
                category: $crate::Category::$cat,
                group: $group,
                raw_doc: concat!($($doc, "\n"),*),
            };
        }

        impl $crate::HasMeta for $ty {
            fn meta(&self) -> &'static $crate::CheckMeta {
                &Self::META
            }
        }
    };
}

/// An error in `--select`, `--ignore` or a severity override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{selector}` in {origin}: no check code, code prefix or name matches it")]
pub struct SelectionError {
    pub selector: String,
    pub origin: &'static str,
}

/// Which checks run and at what severity: `--select`, `--ignore` and config overrides.
///
/// A selector is `ALL`, a code (`K8S003`), a code prefix (`K8S`, `K8S0`), a check name
/// (`container-without-memory-limit`) or a group (`audit`). When both a select and an ignore selector match
/// a check, the more specific one wins (so `--ignore K8S --select K8S003` runs only K8S003).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    overrides: BTreeMap<String, Severity>,
}

impl Selection {
    /// A selection; call [`Selection::validate`] against the registry to reject typos.
    pub fn new(
        select: Vec<String>,
        ignore: Vec<String>,
        overrides: BTreeMap<String, Severity>,
    ) -> Self {
        Selection {
            select,
            ignore,
            overrides,
        }
    }

    /// Every check enabled, no overrides.
    pub fn all() -> Self {
        Self::default()
    }

    /// Checks that every selector matches at least one known check.
    pub fn validate<'a>(
        &self,
        known: impl IntoIterator<Item = &'a CheckMeta> + Clone,
    ) -> Result<(), SelectionError> {
        let lists: [(&[String], &'static str); 2] =
            [(&self.select, "--select"), (&self.ignore, "--ignore")];
        for (list, origin) in lists {
            for s in list {
                if !known
                    .clone()
                    .into_iter()
                    .any(|m| specificity(s, m).is_some())
                {
                    return Err(SelectionError {
                        selector: s.clone(),
                        origin,
                    });
                }
            }
        }
        for s in self.overrides.keys() {
            if !known
                .clone()
                .into_iter()
                .any(|m| specificity(s, m).is_some())
            {
                return Err(SelectionError {
                    selector: s.clone(),
                    origin: "severity overrides",
                });
            }
        }
        Ok(())
    }

    /// Whether the check runs.
    pub fn enabled(&self, meta: &CheckMeta) -> bool {
        let sel = if self.select.is_empty() {
            Some(0)
        } else {
            self.select
                .iter()
                .filter_map(|s| specificity(s, meta))
                .max()
        };
        let ign = self
            .ignore
            .iter()
            .filter_map(|s| specificity(s, meta))
            .max();
        match (sel, ign) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// The severity override for a check, the most specific selector winning.
    pub fn severity_override(&self, meta: &CheckMeta) -> Option<Severity> {
        self.overrides
            .iter()
            .filter_map(|(s, sev)| specificity(s, meta).map(|n| (n, *sev)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, sev)| sev)
    }
}

/// How specifically `selector` names `meta`: `None` when it does not match at all.
fn specificity(selector: &str, meta: &CheckMeta) -> Option<usize> {
    let s = selector.trim();
    if s.eq_ignore_ascii_case("ALL") {
        return Some(1);
    }
    if s.eq_ignore_ascii_case(meta.name) || s.eq_ignore_ascii_case(meta.code) {
        return Some(100);
    }
    if !meta.group.is_empty() && s.eq_ignore_ascii_case(meta.group) {
        return Some(2);
    }
    let code = meta.code.as_bytes();
    (s.len() < code.len() && code[..s.len()].eq_ignore_ascii_case(s.as_bytes()) && !s.is_empty())
        .then(|| 2 + s.len())
}

/// Runs the enabled checks of a registry over one input, applying severity overrides. Returns the
/// findings (sorted) and the checks that ran.
pub fn run_checks<I: ?Sized>(
    registry: &[&dyn Check<I>],
    input: &I,
    selection: &Selection,
) -> (Vec<Finding>, Vec<&'static CheckMeta>) {
    let mut ran = Vec::new();
    let mut all = Vec::new();
    for check in registry {
        let meta = check.meta();
        if !selection.enabled(meta) {
            continue;
        }
        let mut out = Findings::new();
        check.run(input, &mut out);
        let mut found = out.into_vec();
        if let Some(sev) = selection.severity_override(meta) {
            for f in &mut found {
                f.severity = sev;
            }
        }
        all.extend(found);
        ran.push(meta);
    }
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (all, ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::declare_check! {
        /// ## What it checks
        /// Odd numbers, which are
        /// not even. Nor zero.
        /// ## How to fix
        /// Add one.
        TST001 OddNumber { name: "odd-number", severity: Warning, category: Correctness, group: "numbers" }
    }
    impl Check<[u32]> for OddNumber {
        fn run(&self, input: &[u32], out: &mut Findings) {
            for n in input.iter().filter(|n| *n % 2 == 1) {
                out.push(Finding::new(&Self::META, format!("{n} is odd")));
            }
        }
    }
    crate::declare_check! {
        /// ## What it checks
        /// Zeros.
        TST002 ZeroNumber { name: "zero-number", severity: Info, category: Correctness, group: "numbers" }
    }
    impl Check<[u32]> for ZeroNumber {
        fn run(&self, input: &[u32], out: &mut Findings) {
            for _ in input.iter().filter(|n| **n == 0) {
                out.push(Finding::new(&Self::META, "zero"));
            }
        }
    }
    const REGISTRY: &[&dyn Check<[u32]>] = &[&OddNumber, &ZeroNumber];

    fn sel(select: &[&str], ignore: &[&str]) -> Selection {
        Selection::new(
            select.iter().map(|s| s.to_string()).collect(),
            ignore.iter().map(|s| s.to_string()).collect(),
            BTreeMap::new(),
        )
    }

    #[test]
    fn doc_sections_are_extracted() {
        assert_eq!(
            OddNumber::META.summary(),
            "Odd numbers, which are not even."
        );
        assert_eq!(OddNumber::META.fix().as_deref(), Some("Add one."));
        assert_eq!(ZeroNumber::META.fix(), None);
    }

    #[test]
    fn select_and_ignore_prefer_the_more_specific_selector() {
        assert!(sel(&[], &[]).enabled(&OddNumber::META));
        assert!(!sel(&[], &["TST"]).enabled(&OddNumber::META));
        assert!(sel(&["TST001"], &["TST"]).enabled(&OddNumber::META));
        assert!(!sel(&["TST001"], &["TST"]).enabled(&ZeroNumber::META));
        assert!(!sel(&["odd-number"], &[]).enabled(&ZeroNumber::META));
        assert!(sel(&["numbers"], &["zero-number"]).enabled(&OddNumber::META));
        assert!(!sel(&["ALL"], &["zero-number"]).enabled(&ZeroNumber::META));
    }

    #[test]
    fn unknown_selectors_are_rejected() {
        let known = [OddNumber::META, ZeroNumber::META];
        assert!(sel(&["TST0"], &["zero-number"]).validate(&known).is_ok());
        let err = sel(&[], &["TST999"]).validate(&known).unwrap_err();
        assert_eq!(err.selector, "TST999");
        assert_eq!(err.origin, "--ignore");
    }

    #[test]
    fn run_checks_applies_overrides_and_sorts() {
        let mut overrides = BTreeMap::new();
        overrides.insert("TST002".to_string(), Severity::Critical);
        let s = Selection::new(vec![], vec![], overrides);
        let (found, ran) = run_checks(REGISTRY, &[1, 0, 3][..], &s);
        assert_eq!(ran.len(), 2);
        let sevs: Vec<_> = found
            .iter()
            .map(|f| (f.check.as_str(), f.severity))
            .collect();
        assert_eq!(
            sevs,
            [
                ("TST002", Severity::Critical),
                ("TST001", Severity::Warning),
                ("TST001", Severity::Warning)
            ]
        );
    }
}
