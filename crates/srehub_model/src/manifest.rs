//! Kubernetes manifests as written in files: multi-document YAML or JSON, `List` objects expanded, every
//! object with its file and the position of every field (see [`crate::yaml`]).

use crate::yaml::{self, Key, Node, Pos, Value, YamlError};

/// One object of a manifest file.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestObject {
    /// The file, as shown to users.
    pub file: String,
    /// 1-based index of the YAML document in the file.
    pub document: usize,
    /// For an item of a `List`, its index in `items`.
    pub list_item: Option<usize>,
    /// The object's mapping.
    pub node: Node,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Empty when not set in the manifest.
    pub namespace: String,
}

impl ManifestObject {
    /// The API group (`""` for core, `apps`, `networking.k8s.io`, …).
    pub fn group(&self) -> &str {
        match self.api_version.rsplit_once('/') {
            Some((g, _)) => g,
            None => "",
        }
    }

    /// Where findings about the whole object point: its `kind` key, else the mapping's start.
    pub fn pos(&self) -> Pos {
        self.node.key("kind").map_or(self.node.pos, |k| k.pos)
    }
}

/// A document that is not a Kubernetes object (no `kind` or `apiVersion`, or not a mapping).
#[derive(Debug, Clone, PartialEq)]
pub struct Stray {
    pub file: String,
    pub document: usize,
    pub pos: Pos,
    pub message: String,
}

/// The objects of one file, and the documents in it that are not objects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ManifestFile {
    pub objects: Vec<ManifestObject>,
    pub strays: Vec<Stray>,
}

fn text_of(n: Option<&Node>) -> String {
    match n.map(|n| &n.value) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn object(file: &str, document: usize, list_item: Option<usize>, node: Node) -> ManifestObject {
    let meta = node.get("metadata");
    ManifestObject {
        file: file.to_string(),
        document,
        list_item,
        api_version: text_of(node.get("apiVersion")),
        kind: text_of(node.get("kind")),
        name: text_of(meta.and_then(|m| m.get("name"))),
        namespace: text_of(meta.and_then(|m| m.get("namespace"))),
        node,
    }
}

/// Whether a YAML text looks like Kubernetes manifests: some document has top-level `apiVersion` and
/// `kind` keys. Cheap: looks at line starts only.
pub fn looks_like_manifest(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    for line in text.lines() {
        if line.starts_with("---") {
            if api && kind {
                return true;
            }
            api = false;
            kind = false;
        }
        api |= line.starts_with("apiVersion:") || line.contains("\"apiVersion\"");
        kind |= line.starts_with("kind:") || line.contains("\"kind\"");
    }
    api && kind
}

/// Reads the objects of one file.
pub fn parse_file(text: &str, file: &str) -> Result<ManifestFile, YamlError> {
    let mut out = ManifestFile::default();
    for (i, doc) in yaml::parse(text)?.into_iter().enumerate() {
        let document = i + 1;
        let root = doc.root;
        match &root.value {
            Value::Null => continue,
            Value::Map(_) => {}
            other => {
                out.strays.push(Stray {
                    file: file.to_string(),
                    document,
                    pos: root.pos,
                    message: format!(
                        "document {document} is a {} where a Kubernetes object (a mapping with `apiVersion` and `kind`) was expected",
                        other.type_name()
                    ),
                });
                continue;
            }
        }
        let missing: Vec<&str> = ["apiVersion", "kind"]
            .into_iter()
            .filter(|k| root.get(k).and_then(Node::as_str).is_none_or(str::is_empty))
            .collect();
        if !missing.is_empty() {
            out.strays.push(Stray {
                file: file.to_string(),
                document,
                pos: root.pos,
                message: format!(
                    "document {document} has no {} and is not a Kubernetes object",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            });
            continue;
        }
        let is_list = root
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && root.get("items").is_some();
        if is_list {
            let items = match root.get("items").map(|n| &n.value) {
                Some(Value::Seq(items)) => items.clone(),
                _ => Vec::new(),
            };
            // Items of a typed list (`PodList`, `NodeMetricsList`) may leave out their kind and
            // apiVersion: they are the list's.
            let list_kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
            let item_kind = list_kind.strip_suffix("List").filter(|k| !k.is_empty());
            let list_api = root.get("apiVersion").cloned();
            let kind_key = root.key("kind").cloned();
            for (j, mut item) in items.into_iter().enumerate() {
                if let (Value::Map(entries), Some(k), Some(kk)) =
                    (&mut item.value, item_kind, kind_key.as_ref())
                {
                    if !entries.iter().any(|(key, _)| key.text == "kind") {
                        entries.push((
                            Key {
                                text: "kind".into(),
                                pos: kk.pos,
                            },
                            Node {
                                pos: kk.pos,
                                value: Value::Str(k.into()),
                            },
                        ));
                    }
                    if let Some(api) = &list_api
                        && !entries.iter().any(|(key, _)| key.text == "apiVersion")
                    {
                        entries.push((
                            Key {
                                text: "apiVersion".into(),
                                pos: api.pos,
                            },
                            api.clone(),
                        ));
                    }
                }
                if matches!(item.value, Value::Map(_)) {
                    out.objects.push(object(file, document, Some(j), item));
                } else {
                    out.strays.push(Stray {
                        file: file.to_string(),
                        document,
                        pos: item.pos,
                        message: format!(
                            "items[{j}] is a {}, not a Kubernetes object",
                            item.value.type_name()
                        ),
                    });
                }
            }
        } else {
            out.objects.push(object(file, document, None, root));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_lists_become_objects() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n---\nfoo: bar\n";
        let f = parse_file(text, "m.yaml").unwrap();
        assert_eq!(f.objects.len(), 2);
        assert_eq!(f.objects[0].name, "a");
        assert_eq!(f.objects[0].namespace, "x");
        assert_eq!(f.objects[0].pos(), Pos { line: 2, column: 1 });
        assert_eq!(f.objects[1].kind, "Secret");
        assert_eq!(f.objects[1].list_item, Some(0));
        assert_eq!(f.objects[1].document, 2);
        assert_eq!(f.strays.len(), 1);
        assert!(f.strays[0].message.contains("no `apiVersion` or `kind`"));
    }

    #[test]
    fn items_of_typed_lists_take_the_list_kind() {
        let text = "apiVersion: metrics.k8s.io/v1beta1\nkind: NodeMetricsList\nitems:\n  - metadata: {name: n1}\n    usage: {cpu: 1}\n";
        let f = parse_file(text, "m.yaml").unwrap();
        assert_eq!(f.objects[0].kind, "NodeMetrics");
        assert_eq!(f.objects[0].api_version, "metrics.k8s.io/v1beta1");
        assert_eq!(
            f.objects[0].node.get("kind").unwrap().as_str(),
            Some("NodeMetrics")
        );
    }

    #[test]
    fn manifests_are_told_from_other_yaml() {
        assert!(looks_like_manifest("apiVersion: v1\nkind: Pod\n"));
        assert!(looks_like_manifest(
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"
        ));
        assert!(!looks_like_manifest(
            "services:\n  web:\n    image: nginx\n"
        ));
        assert!(!looks_like_manifest(
            "replicaCount: 2\nkind: x\n---\napiVersion: 1\n"
        ));
    }
}
