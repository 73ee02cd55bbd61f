//! Validation of manifests against the Kubernetes API schema (generated into `data/k8s-schema.json` by
//! `cargo dev generate-all` from `k8s-openapi`), with the exact position of each problem.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use srehub_model::manifest::ManifestObject;
use srehub_model::yaml::{Node, Pos, Value};

const SCHEMA: &str = include_str!("../../data/k8s-schema.json");

#[derive(Deserialize)]
struct Raw {
    kinds: HashMap<String, String>,
    types: HashMap<String, RawType>,
}

#[derive(Deserialize)]
struct RawType {
    p: std::collections::BTreeMap<String, String>,
    r: Vec<String>,
}

/// A type expression, parsed once.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    IntOrString,
    Any,
    Array(Box<Ty>),
    Map(Box<Ty>),
    Named(usize),
}

#[derive(Debug)]
struct ObjType {
    props: Vec<(String, Ty)>,
    required: Vec<String>,
}

/// The schema: kinds by `apiVersion kind`, and object types.
#[derive(Debug)]
pub struct Schema {
    kinds: HashMap<String, usize>,
    types: Vec<ObjType>,
    /// Kind → the apiVersions that serve it, for "did you mean".
    versions_of: HashMap<String, Vec<String>>,
}

fn parse_ty(s: &str, index: &HashMap<&str, usize>) -> Ty {
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return Ty::Array(Box::new(parse_ty(inner, index)));
    }
    if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        return Ty::Map(Box::new(parse_ty(inner, index)));
    }
    match s {
        "string" => Ty::String,
        "integer" => Ty::Integer,
        "number" => Ty::Number,
        "boolean" => Ty::Boolean,
        "int-or-string" => Ty::IntOrString,
        "any" | "object" => Ty::Any,
        name => index.get(name).map_or(Ty::Any, |i| Ty::Named(*i)),
    }
}

impl Schema {
    /// The embedded schema, parsed on first use.
    pub fn get() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| Schema::parse(SCHEMA))
    }

    fn parse(text: &str) -> Schema {
        // The file is generated and tested; a broken one is a build defect, so fail empty, not panic.
        let raw: Raw = serde_json::from_str(text).unwrap_or(Raw {
            kinds: HashMap::new(),
            types: HashMap::new(),
        });
        let mut names: Vec<&str> = raw.types.keys().map(String::as_str).collect();
        names.sort_unstable();
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let types = names
            .iter()
            .map(|n| {
                let t = &raw.types[*n];
                ObjType {
                    props: t
                        .p
                        .iter()
                        .map(|(k, v)| (k.clone(), parse_ty(v, &index)))
                        .collect(),
                    required: t.r.clone(),
                }
            })
            .collect();
        let mut versions_of: HashMap<String, Vec<String>> = HashMap::new();
        let kinds = raw
            .kinds
            .iter()
            .filter_map(|(k, v)| {
                let (av, kind) = k.split_once(' ')?;
                versions_of
                    .entry(kind.to_string())
                    .or_default()
                    .push(av.to_string());
                Some((k.clone(), *index.get(v.as_str())?))
            })
            .collect();
        for v in versions_of.values_mut() {
            v.sort();
        }
        Schema {
            kinds,
            types,
            versions_of,
        }
    }

    /// Whether the schema knows `apiVersion kind`.
    pub fn knows(&self, api_version: &str, kind: &str) -> bool {
        self.kinds.contains_key(&format!("{api_version} {kind}"))
    }

    /// The built-in API groups (`""` is the core group).
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.kinds.keys().filter_map(|k| {
            let av = k.split(' ').next()?;
            Some(av.rsplit_once('/').map_or("", |(g, _)| g))
        })
    }

    /// The built-in kinds of an API group.
    pub fn kinds_in<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.kinds.keys().filter_map(move |k| {
            let (av, kind) = k.split_once(' ')?;
            (av.rsplit_once('/').map_or("", |(g, _)| g) == group).then_some(kind)
        })
    }

    /// The apiVersions that serve a built-in kind (empty for a kind the schema does not know).
    pub fn versions_of(&self, kind: &str) -> &[String] {
        self.versions_of.get(kind).map_or(&[], Vec::as_slice)
    }

    /// Validates one object; nothing for a kind the schema does not know.
    pub fn validate(&self, obj: &ManifestObject) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some(&root) = self.kinds.get(&format!("{} {}", obj.api_version, obj.kind)) else {
            return out;
        };
        let mut v = Validator {
            schema: self,
            out: &mut out,
            segs: Vec::new(),
        };
        v.object(&obj.node, root, &mut String::new(), obj.node.pos);
        // The API server needs a name (or generateName) for every object.
        let meta = obj.node.get("metadata");
        let named = meta.is_some_and(|m| {
            ["name", "generateName"].iter().any(|k| {
                m.get(k)
                    .and_then(Node::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
        });
        if !named {
            out.push(Violation {
                kind: ViolationKind::Missing,
                path: "metadata.name".into(),
                segments: vec!["metadata".into(), "name".into()],
                pos: obj
                    .node
                    .key("metadata")
                    .map_or_else(|| obj.pos(), |k| k.pos),
                message: "required field `metadata.name` is missing (or `metadata.generateName`)"
                    .into(),
            });
        }
        out
    }
}

/// What kind of schema violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    UnknownField,
    WrongType,
    Missing,
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The field path, `spec.template.spec.containers[0].image`.
    pub path: String,
    /// The same path as keys and list indexes (keys may contain dots: annotations, labels).
    pub segments: Vec<String>,
    pub pos: Pos,
    pub message: String,
}

struct Validator<'s, 'o> {
    schema: &'s Schema,
    out: &'o mut Vec<Violation>,
    /// The current path as segments.
    segs: Vec<String>,
}

fn describe(v: &Value) -> String {
    match v {
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Int(i) => format!("integer `{i}`"),
        Value::Float(f) => format!("number `{f}`"),
        Value::Str(s) => {
            let short: String = s.chars().take(40).collect();
            format!("string \"{short}\"")
        }
        other => other.type_name().to_string(),
    }
}

fn ty_name(t: &Ty) -> &'static str {
    match t {
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean",
        Ty::IntOrString => "an integer or a string",
        Ty::Any => "any value",
        Ty::Array(_) => "a list",
        Ty::Map(_) | Ty::Named(_) => "a mapping",
    }
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known field closest to `key`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    known
        .map(|k| {
            let d = if k.to_ascii_lowercase() == lower {
                0
            } else {
                distance(key, k)
            };
            (d, k)
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

impl Validator<'_, '_> {
    fn push(&mut self, kind: ViolationKind, path: &str, pos: Pos, message: String) {
        self.out.push(Violation {
            kind,
            path: path.to_string(),
            segments: self.segs.clone(),
            pos,
            message,
        });
    }

    fn wrong(&mut self, node: &Node, ty: &Ty, path: &str) {
        let hint = match (&node.value, ty) {
            (Value::Bool(_), Ty::String) => {
                " (YAML reads unquoted yes/no/on/off/true/false as booleans); quote it to make it a string"
            }
            (Value::Int(_) | Value::Float(_), Ty::String) => "; quote it to make it a string",
            (Value::Str(_), Ty::Integer | Ty::Number | Ty::Boolean) => "; remove the quotes",
            _ => "",
        };
        let message = format!(
            "`{path}` must be {}, found {}{hint}",
            ty_name(ty),
            describe(&node.value)
        );
        self.push(ViolationKind::WrongType, path, node.pos, message);
    }

    fn value(&mut self, node: &Node, ty: &Ty, path: &mut String, key_pos: Pos) {
        let ok = match (&node.value, ty) {
            // `null` is "unset" to the API server.
            (Value::Null, _) | (_, Ty::Any) => true,
            (Value::Str(_), Ty::String) => true,
            (Value::Int(_), Ty::Integer | Ty::Number) => true,
            (Value::Float(_), Ty::Number) => true,
            (Value::Bool(_), Ty::Boolean) => true,
            // Quantities are int-or-string too and may be fractional (`cpu: 0.5`).
            (Value::Int(_) | Value::Str(_) | Value::Float(_), Ty::IntOrString) => true,
            (Value::Seq(items), Ty::Array(inner)) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    self.segs.push(i.to_string());
                    self.value(item, inner, path, item.pos);
                    self.segs.pop();
                    path.truncate(len);
                }
                true
            }
            (Value::Map(entries), Ty::Map(inner)) => {
                let len = path.len();
                for (k, v) in entries {
                    path.push_str(&format!(".{}", k.text));
                    self.segs.push(k.text.to_string());
                    self.value(v, inner, path, k.pos);
                    self.segs.pop();
                    path.truncate(len);
                }
                true
            }
            (Value::Map(_), Ty::Named(t)) => {
                self.object(node, *t, path, key_pos);
                true
            }
            _ => false,
        };
        if !ok {
            self.wrong(node, ty, path);
        }
    }

    fn object(&mut self, node: &Node, t: usize, path: &mut String, key_pos: Pos) {
        let schema = self.schema;
        let ty = &schema.types[t];
        let len = path.len();
        for (k, v) in node.entries() {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&k.text);
            self.segs.push(k.text.to_string());
            match ty.props.iter().find(|(name, _)| *name == k.text) {
                Some((_, field_ty)) => self.value(v, field_ty, path, k.pos),
                None => {
                    let suggestion = closest(&k.text, ty.props.iter().map(|(n, _)| n.as_str()))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    let message = format!("unknown field `{path}`{suggestion}");
                    self.push(ViolationKind::UnknownField, path, k.pos, message);
                }
            }
            self.segs.pop();
            path.truncate(len);
        }
        for r in &ty.required {
            let present = node.get(r).is_some_and(|v| v.value != Value::Null);
            if !present {
                let full = if path.is_empty() {
                    r.clone()
                } else {
                    format!("{path}.{r}")
                };
                let message = format!("required field `{full}` is missing");
                self.segs.push(r.clone());
                self.push(ViolationKind::Missing, &full, key_pos, message);
                self.segs.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_model::manifest::parse_file;

    fn violations(text: &str) -> Vec<Violation> {
        let f = parse_file(text, "t.yaml").unwrap();
        Schema::get().validate(&f.objects[0])
    }

    #[test]
    fn the_embedded_schema_loads() {
        let s = Schema::get();
        assert!(s.types.len() > 300, "{}", s.types.len());
        assert!(s.knows("apps/v1", "Deployment"));
        assert!(s.knows("v1", "Service"));
        assert_eq!(
            s.versions_of("HorizontalPodAutoscaler"),
            ["autoscaling/v1", "autoscaling/v2"]
        );
    }

    #[test]
    fn a_correct_deployment_has_no_violations() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports:\n            - containerPort: 80\n          resources:\n            requests: {cpu: 0.5, memory: 64Mi}\n          livenessProbe:\n            httpGet: {path: /, port: http}\n";
        assert_eq!(violations(text), vec![]);
    }

    #[test]
    fn typos_wrong_types_and_missing_fields_are_found_with_positions() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: \"2\"\n  template:\n    spec:\n      containers:\n        - name: web\n          imagePullPolicy: Always\n          image: nginx\n          containerPort: 80\n          tty: yes\n          command: run\n";
        let v = violations(text);
        let got: Vec<(ViolationKind, &str, u32, u32)> = v
            .iter()
            .map(|v| (v.kind, v.path.as_str(), v.pos.line, v.pos.column))
            .collect();
        assert_eq!(
            got,
            vec![
                (ViolationKind::WrongType, "spec.replicas", 6, 13),
                (
                    ViolationKind::UnknownField,
                    "spec.template.spec.containers[0].containerPort",
                    13,
                    11
                ),
                (
                    ViolationKind::WrongType,
                    "spec.template.spec.containers[0].command",
                    15,
                    20
                ),
                (ViolationKind::Missing, "spec.selector", 5, 1),
            ]
        );
        assert!(
            v[1].message.contains("did you mean `ports`") || !v[1].message.contains("did you mean"),
            "{}",
            v[1].message
        );
    }

    #[test]
    fn misspelled_fields_get_a_suggestion() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selectr: {app: web}\n  ports:\n    - port: 80\n      targetport: 8080\n";
        let v = violations(text);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(
            v[0].message.contains("did you mean `selector`"),
            "{}",
            v[0].message
        );
        assert!(
            v[1].message.contains("did you mean `targetPort`"),
            "{}",
            v[1].message
        );
    }

    #[test]
    fn a_missing_name_is_reported() {
        let v = violations("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].path, "metadata.name");
    }

    #[test]
    fn custom_kinds_are_not_validated() {
        let v = violations(
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: x}\nspec: {anything: 1}\n",
        );
        assert!(v.is_empty());
    }
}
