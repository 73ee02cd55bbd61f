//! The metric names a PromQL expression reads, without a full parser: identifiers that are not
//! functions, keywords, label names in `by (…)`/`on (…)` lists or inside `{…}` matchers, strings or
//! numbers. Good enough to tell whether a rule's metrics exist.

const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "atan2",
    "inf",
    "nan",
    "start",
    "end",
    // Aggregations, which may be followed by `by (…)` before their parenthesis.
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

pub fn metric_names(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    // After a grouping keyword, the next parenthesised list holds label names.
    let mut label_list_next = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'{' => {
                // Label matchers: skip to the closing brace (strings inside are skipped too).
                i += 1;
                while i < b.len() && b[i] != b'}' {
                    if b[i] == b'"' || b[i] == b'\'' || b[i] == b'`' {
                        let q = b[i];
                        i += 1;
                        while i < b.len() && b[i] != q {
                            if b[i] == b'\\' {
                                i += 1;
                            }
                            i += 1;
                        }
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                // Range or subquery durations.
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'(' if label_list_next => {
                while i < b.len() && b[i] != b')' {
                    i += 1;
                }
                i += 1;
                label_list_next = false;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':')
                {
                    i += 1;
                }
                let word = &expr[start..i];
                let mut j = i;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let next = b.get(j).copied();
                let lower = word.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                ) {
                    label_list_next = next == Some(b'(');
                } else if next == Some(b'(') || KEYWORDS.contains(&lower.as_str()) {
                    // A function call or an operator keyword.
                } else if !out.iter().any(|o| o == word) {
                    out.push(word.to_string());
                }
            }
            c if c.is_ascii_digit() || c == b'.' => {
                // Numbers and durations (`5m`, `1e3`, `0x1f`).
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_typical_rules() {
        assert_eq!(
            metric_names(
                r#"sum by (job, instance) (rate(http_requests_total{code=~"5..", job!="x"}[5m])) / on (job) group_left sum(rate(http_requests_total[5m])) > 0.05"#
            ),
            ["http_requests_total"]
        );
        assert_eq!(
            metric_names(
                "node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1 and ON(instance) up == 1"
            ),
            [
                "node_filesystem_avail_bytes",
                "node_filesystem_size_bytes",
                "up"
            ]
        );
        assert_eq!(
            metric_names(
                r#"absent(up{job="api"}) or vector(1) unless job:errors:rate5m offset 1h"#
            ),
            ["up", "job:errors:rate5m"]
        );
        assert_eq!(
            metric_names("histogram_quantile(0.99, sum by (le) (rate(lat_bucket[5m]))) > 1e3"),
            ["lat_bucket"]
        );
        assert!(metric_names("vector(1)").is_empty());
    }
}
