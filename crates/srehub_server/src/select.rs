//! Query parameters of list routes: Kubernetes label selectors (`app=api,tier!=db,canary`,
//! `!legacy`, `env in (prod,staging)`, `env notin (dev)`), field projection (`fields=name,phase`)
//! and cursor pagination over a cached list.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector(Vec<Req>);

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 316
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

impl Selector {
    pub fn parse(s: &str) -> Result<Selector, AppError> {
        let bad = |m: &str| AppError::bad("labelSelector", m.to_string());
        let mut reqs = Vec::new();
        // Split on commas outside parentheses.
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0i32, 0usize);
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&s[start..]);
        for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let set = |rest: &str| -> Result<Vec<String>, AppError> {
                let inner = rest
                    .trim()
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| bad(&format!("`{p}`: expected a (value, …) list")))?;
                Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let r = if let Some((k, v)) = p.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some(k) = p.strip_prefix('!') {
                Req::NotExists(k.trim().into())
            } else if let Some((k, rest)) = p.split_once(" notin ") {
                Req::NotIn(k.trim().into(), set(rest)?)
            } else if let Some((k, rest)) = p.split_once(" in ") {
                Req::In(k.trim().into(), set(rest)?)
            } else {
                Req::Exists(p.into())
            };
            let key = match &r {
                Req::Eq(k, _)
                | Req::Ne(k, _)
                | Req::Exists(k)
                | Req::NotExists(k)
                | Req::In(k, _)
                | Req::NotIn(k, _) => k,
            };
            if !valid_key(key) {
                return Err(bad(&format!("`{p}`: `{key}` is not a label key")));
            }
            reqs.push(r);
        }
        Ok(Selector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::Ne(k, v) => labels.get(k) != Some(v),
            Req::Exists(k) => labels.contains_key(k),
            Req::NotExists(k) => !labels.contains_key(k),
            Req::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
        })
    }
}

/// Keeps only the given dotted paths of an object (`fields=name,status.phase`).
pub fn project(item: &Value, fields: &[String]) -> Value {
    let mut out = Map::new();
    for f in fields {
        let mut cur = item;
        let mut ok = true;
        for part in f.split('.') {
            match cur.get(part) {
                Some(v) => cur = v,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            // Rebuild the nesting.
            let parts: Vec<&str> = f.split('.').collect();
            let mut slot = &mut out;
            for p in &parts[..parts.len() - 1] {
                slot = slot
                    .entry((*p).to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("an object was just inserted");
            }
            slot.insert(parts[parts.len() - 1].to_string(), cur.clone());
        }
    }
    Value::Object(out)
}

/// The version of a cached list that page cursors carry: a short form of its ETag.
pub fn list_version(etag: &str) -> String {
    etag.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect()
}

/// A page of `items` from `cursor`, at most `limit` long, and the cursor of the next page. A cursor is
/// `o<offset>.<version>`: the offset into the list and the version of the list it was made from. When
/// the list has changed since (the cache was refreshed with other data), the cursor is refused with
/// 410 `cursor_expired`, as Kubernetes refuses an expired `continue` token, instead of a page that
/// would skip or repeat items.
pub fn page(
    total: usize,
    cursor: Option<&str>,
    limit: usize,
    version: &str,
) -> Result<(usize, usize, Option<String>), AppError> {
    let start = match cursor {
        None | Some("") => 0,
        Some(c) => {
            let bad = || AppError::bad("cursor", "not a cursor returned by this API");
            let (offset, made_from) = c.split_once('.').unwrap_or((c, version));
            let n = offset
                .strip_prefix('o')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(bad)?;
            if made_from != version {
                return Err(AppError::CursorExpired(
                    "the list has changed since this cursor was made: start again without `cursor`"
                        .into(),
                ));
            }
            if n > total {
                return Err(bad());
            }
            n
        }
    };
    let end = (start + limit).min(total);
    Ok((
        start,
        end,
        (end < total).then(|| format!("o{end}.{version}")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn cursors_carry_the_list_version() {
        let (a, b, next) = page(10, None, 4, "v1").unwrap();
        assert_eq!((a, b), (0, 4));
        let next = next.unwrap();
        assert_eq!(next, "o4.v1");
        assert_eq!(page(10, Some(&next), 4, "v1").unwrap().0, 4);
        let e = page(10, Some(&next), 4, "v2").unwrap_err();
        assert_eq!(e.code(), "cursor_expired");
        assert_eq!(
            page(10, Some("nonsense"), 4, "v1").unwrap_err().code(),
            "bad_request"
        );
        assert_eq!(
            page(10, Some("o99.v1"), 4, "v1").unwrap_err().code(),
            "bad_request"
        );
        assert_eq!(list_version("W/\"abc-123\""), "Wabc123");
    }

    #[test]
    fn selectors_like_kubectl() {
        let s = Selector::parse("app=api, tier!=db,canary,env in (prod,staging),!legacy").unwrap();
        assert!(s.matches(&labels(&[("app", "api"), ("canary", ""), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("canary", ""), ("env", "dev")])));
        assert!(!s.matches(&labels(&[
            ("app", "api"),
            ("canary", ""),
            ("env", "prod"),
            ("legacy", "1")
        ])));
        let e = Selector::parse("app in prod").unwrap_err();
        assert!(
            e.to_string().starts_with("parameter `labelSelector`"),
            "{e}"
        );
        assert!(Selector::parse("a b=c").is_err());
    }

    #[test]
    fn projection_and_pages() {
        let v =
            serde_json::json!({"name": "p", "status": {"phase": "Running", "ip": "x"}, "other": 1});
        assert_eq!(
            project(
                &v,
                &["name".into(), "status.phase".into(), "missing".into()]
            ),
            serde_json::json!({"name": "p", "status": {"phase": "Running"}})
        );
        assert_eq!(page(10, None, 4, "v").unwrap(), (0, 4, Some("o4.v".into())));
        // A cursor without a version (made before versions) is read as of the current list.
        assert_eq!(page(10, Some("o8"), 4, "v").unwrap(), (8, 10, None));
        assert!(page(10, Some("o11"), 4, "v").is_err());
        assert!(page(10, Some("garbage"), 4, "v").is_err());
    }
}
