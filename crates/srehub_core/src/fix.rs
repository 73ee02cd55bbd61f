//! Fixes attached to findings: text edits that `srehub lint --fix` applies and `--diff` shows.

use serde::{Deserialize, Serialize};

/// Replace the text from (`line`, `column`) up to, not including, (`end_line`, `end_column`) with `text`.
/// Lines and columns start at 1 and count characters; an empty range inserts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edit {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub text: String,
}

impl Edit {
    /// An insertion at a position.
    pub fn insert(line: u32, column: u32, text: impl Into<String>) -> Self {
        Edit {
            line,
            column,
            end_line: line,
            end_column: column,
            text: text.into(),
        }
    }

    /// A replacement of `len` characters on one line.
    pub fn replace(line: u32, column: u32, len: u32, text: impl Into<String>) -> Self {
        Edit {
            line,
            column,
            end_line: line,
            end_column: column + len,
            text: text.into(),
        }
    }
}

/// A fix: what it does, and its edits (all in the finding's file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

/// The byte offset of a (line, column) position in `text`, if it exists (the end of a line and the end
/// of the text are positions too).
fn offset(line_starts: &[usize], text: &str, line: u32, column: u32) -> Option<usize> {
    let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let col = usize::try_from(column).ok()?.checked_sub(1)?;
    let mut chars = text[start..line_end].char_indices();
    match chars.nth(col) {
        Some((i, _)) => Some(start + i),
        None if text[start..line_end].chars().count() == col => Some(line_end),
        None => None,
    }
}

/// Applies fixes to a text. Fixes whose edits fall outside the text or overlap an edit already taken
/// are skipped whole. Returns the new text and the indexes of the fixes applied.
pub fn apply(text: &str, fixes: &[&Fix]) -> (String, Vec<usize>) {
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    let mut applied = Vec::new();
    for (n, fix) in fixes.iter().enumerate() {
        let mut ranges = Vec::new();
        let ok = fix.edits.iter().all(|e| {
            let (Some(a), Some(b)) = (
                offset(&line_starts, text, e.line, e.column),
                offset(&line_starts, text, e.end_line, e.end_column),
            ) else {
                return false;
            };
            if a > b {
                return false;
            }
            ranges.push((a, b, e.text.as_str()));
            true
        });
        let overlaps = ranges.iter().any(|&(a, b, _)| {
            taken
                .iter()
                .any(|&(x, y, _)| (a < y && x < b) || (a == x && (a == b || x == y)))
        });
        if ok && !overlaps {
            taken.extend(ranges);
            applied.push(n);
        }
    }
    taken.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut out = text.to_string();
    for (a, b, t) in taken {
        out.replace_range(a..b, t);
    }
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            description: "t".into(),
            edits,
        }
    }

    #[test]
    fn edits_apply_by_line_and_character_column() {
        let text = "FROM alpine\nADD a /b\nRUN é && apt-get install x\n";
        let f1 = fix(vec![Edit::replace(2, 1, 3, "COPY")]);
        let f2 = fix(vec![Edit::insert(3, 25, " --no-install-recommends")]);
        let (out, n) = apply(text, &[&f1, &f2]);
        assert_eq!(n, [0, 1]);
        assert_eq!(
            out,
            "FROM alpine\nCOPY a /b\nRUN é && apt-get install --no-install-recommends x\n"
        );
    }

    #[test]
    fn overlapping_and_out_of_range_fixes_are_skipped() {
        let text = "abc\ndef\n";
        let a = fix(vec![Edit::replace(1, 1, 2, "X")]);
        let b = fix(vec![Edit::replace(1, 2, 2, "Y")]);
        let c = fix(vec![Edit::insert(9, 1, "Z")]);
        let d = fix(vec![Edit::insert(2, 4, "!")]);
        let (out, n) = apply(text, &[&a, &b, &c, &d]);
        assert_eq!(n, [0, 3]);
        assert_eq!(out, "Xc\ndef!\n");
    }
}
