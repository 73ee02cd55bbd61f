use srehub_core::{Check, Finding, Findings};
use srehub_model::yaml::{Node, Value};

use super::ManifestInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Ingress backends (`spec.defaultBackend` and every `rules[].http.paths[].backend`) that name a
    /// Service which is not in the linted files, in the Ingress's namespace, or a port (by number or by
    /// name) that the Service does not expose.
    ///
    /// ## Why it matters
    /// The ingress controller answers 503 for every request on that path: the route exists, the backend
    /// does not.
    ///
    /// ## How to fix
    /// Fix the Service name or port in the Ingress, or add the Service. If the Service is deliberately
    /// managed elsewhere, silence the finding with the annotation `srehub.io/ignore: K8S305`.
    K8S305 IngressBackendMissing { name: "ingress-backend-missing", severity: Warning, category: Correctness, group: "manifest" }
}

fn backends(ing: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    if let Some(b) = ing.at(&["spec", "defaultBackend"]) {
        out.push(b);
    }
    for rule in ing.at(&["spec", "rules"]).map(Node::items).unwrap_or(&[]) {
        for path in rule.at(&["http", "paths"]).map(Node::items).unwrap_or(&[]) {
            if let Some(b) = path.get("backend") {
                out.push(b);
            }
        }
    }
    out
}

impl Check<ManifestInput<'_>> for IngressBackendMissing {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for ing in input.of_kind("Ingress") {
            for b in backends(&ing.node) {
                let Some(svc) = b.get("service") else {
                    continue; // a resource backend
                };
                let Some(name_node) = svc.get("name") else {
                    continue;
                };
                let Some(name) = name_node.as_str() else {
                    continue;
                };
                let target = input.find("Service", &ing.namespace, name);
                let Some(target) = target else {
                    input.push(
                        out,
                        &Self::META,
                        ing,
                        name_node.pos,
                        Finding::new(
                            &Self::META,
                            format!("backend Service `{name}` is not defined in the linted files"),
                        )
                        .hint("Fix the Service name, or add the Service"),
                    );
                    continue;
                };
                let ports = target
                    .node
                    .at(&["spec", "ports"])
                    .map(Node::items)
                    .unwrap_or(&[]);
                let port = svc.get("port");
                let (wanted, pos, found) = match port.and_then(|p| p.get("number")) {
                    Some(n) => match n.value {
                        Value::Int(num) => (
                            num.to_string(),
                            n.pos,
                            ports
                                .iter()
                                .any(|p| p.get("port").is_some_and(|v| v.value == Value::Int(num))),
                        ),
                        _ => continue,
                    },
                    None => match port.and_then(|p| p.get("name")) {
                        Some(n) => {
                            let Some(want) = n.as_str() else { continue };
                            (
                                format!("`{want}`"),
                                n.pos,
                                ports
                                    .iter()
                                    .any(|p| p.get("name").and_then(Node::as_str) == Some(want)),
                            )
                        }
                        None => continue,
                    },
                };
                if !found {
                    let have: Vec<String> = ports
                        .iter()
                        .filter_map(|p| {
                            let num = match p.get("port")?.value {
                                Value::Int(i) => i.to_string(),
                                _ => return None,
                            };
                            Some(match p.get("name").and_then(Node::as_str) {
                                Some(n) => format!("{num} ({n})"),
                                None => num,
                            })
                        })
                        .collect();
                    input.push(
                        out,
                        &Self::META,
                        ing,
                        pos,
                        Finding::new(
                            &Self::META,
                            format!(
                                "Service `{name}` has no port {wanted}; it exposes {}",
                                if have.is_empty() {
                                    "no ports".to_string()
                                } else {
                                    have.join(", ")
                                }
                            ),
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n";

    #[test]
    fn triggers_on_missing_services_and_ports() {
        let text = format!(
            "{SVC}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: web}}\nspec:\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service: {{name: web, port: {{number: 8080}}}}\n          - path: /api\n            pathType: Prefix\n            backend:\n              service: {{name: api, port: {{name: http}}}}\n"
        );
        let found = run(&IngressBackendMissing, &text);
        assert_eq!(found.len(), 2, "{found:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_service_and_port_exist() {
        let text = format!(
            "{SVC}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: web}}\nspec:\n  defaultBackend:\n    service: {{name: web, port: {{name: http}}}}\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service: {{name: web, port: {{number: 80}}}}\n"
        );
        assert!(run(&IngressBackendMissing, &text).is_empty());
    }
}
