use srehub_core::{Check, Findings};
use srehub_model::yaml::{Node, Value};

use super::{HelmInput, preview, scalar_text, show_path, walk};

srehub_core::declare_check! {
    /// ## What it checks
    /// Secrets written into `values.yaml`: a non-empty literal (a string or a number) under a key named
    /// like a secret, compared without case, `_` or `-`: ending in `password`, `passwd`, `secret`,
    /// `token`, `apiKey`, `accessKey`, `secretKey` or `privateKey` (`adminPassword`, `api_key`,
    /// `clientSecret`, `AWS_SECRET_ACCESS_KEY`). Also `env`-style entries, `{name: DB_PASSWORD, value: …}`.
    ///
    /// Not reported: empty values; keys that name a Kubernetes Secret rather than hold one
    /// (`existingSecret`, `passwordSecret`, `tlsSecret`, `imagePullSecret`, keys starting with
    /// `existing`); placeholders and references (`<set-me>`, `${DB_PASSWORD}`, `{{ … }}`, `$(VAR)`,
    /// SOPS `ENC[…]`, `ref+…` and `vault:…` references). `changeme` and similar defaults *are* reported:
    /// a default password ends up in production. Messages show the first two characters only.
    ///
    /// ## Why it matters
    /// `values.yaml` is committed, packaged into the chart archive, pushed to chart repositories and
    /// stored in every release (`helm get values --all`): a secret written there is readable by everyone
    /// with access to any of them, stays in the history after it is removed, and is the same in every
    /// installation that keeps the default.
    ///
    /// ## How to fix
    /// Leave the value empty and read it from a Secret the operator creates (`existingSecret`), generate
    /// it in the template (`randAlphaNum`, kept across upgrades with `lookup`), or pass it at install
    /// time from a secret store (`--set` from CI secrets, helm-secrets/SOPS, External Secrets). Then
    /// rotate the exposed secret.
    HELM004 ValuesHardCodedSecret { name: "values-hard-coded-secret", severity: Critical, category: Security, group: "helm" }
}

/// Endings (normalized: lowercase, no `_`/`-`) of keys that hold secrets.
const SECRET_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
];

/// Words before `secret` that make the key the name of a Kubernetes Secret, not a secret.
const SECRET_NAME_HINTS: &[&str] = &["password", "passwd", "token", "key", "tls", "cert", "pull"];

fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a key names a secret value.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let n = normalize(key);
    if n.starts_with("existing") {
        return false;
    }
    if let Some(before) = n.strip_suffix("secret")
        && SECRET_NAME_HINTS.iter().any(|h| before.contains(h))
    {
        return false;
    }
    SECRET_ENDINGS.iter().any(|e| n.ends_with(e))
}

/// Whether a value is a placeholder or a reference rather than a secret.
fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    t.is_empty()
        || (t.starts_with('<') && t.ends_with('>'))
        || t.contains("${")
        || t.contains("{{")
        || t.starts_with("$(")
        || t.starts_with("ENC[")
        || t.starts_with("ref+")
        || t.starts_with("vault:")
}

/// The literal a node holds, if it could be a secret: a non-placeholder string or a number.
fn literal(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) if !is_placeholder(s) => Some(s.to_string()),
        Value::Int(_) | Value::Float(_) => scalar_text(node),
        _ => None,
    }
}

impl Check<HelmInput<'_>> for ValuesHardCodedSecret {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let Some(values) = &input.chart.values else {
            return;
        };
        let hint = "Leave it empty and read it from an existing Secret, or pass it at install time from a secret store; then rotate it";
        walk(&values.root, &mut |path, key, node| {
            // `key: literal`
            if let Some(k) = key
                && is_secret_key(&k.text)
                && let Some(v) = literal(node)
            {
                out.push(
                    input
                        .at(
                            &Self::META,
                            &values.path,
                            node.pos,
                            format!(
                                "`{}` holds a literal secret (`{}`)",
                                show_path(path),
                                preview(&v, 2)
                            ),
                        )
                        .hint(hint),
                );
                return;
            }
            // `{name: DB_PASSWORD, value: literal}`, as in `env` lists.
            if let Some(name) = node.get("name").and_then(Node::as_str)
                && is_secret_key(name)
                && let Some(value) = node.get("value")
                && let Some(v) = literal(value)
            {
                out.push(
                    input
                        .at(
                            &Self::META,
                            &values.path,
                            value.pos,
                            format!(
                                "`{}.value` sets `{name}` to a literal secret (`{}`)",
                                show_path(path),
                                preview(&v, 2)
                            ),
                        )
                        .hint(hint),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    #[test]
    fn secret_keys_are_told_from_secret_names() {
        for k in [
            "password",
            "adminPassword",
            "api_key",
            "apiKey",
            "clientSecret",
            "AWS_SECRET_ACCESS_KEY",
            "token",
            "privateKey",
            "secretKey",
            "jwt-secret",
            "passwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "existingSecret",
            "existingSecretPasswordKey",
            "passwordSecret",
            "tlsSecret",
            "imagePullSecret",
            "passwordKey",
            "tokenPath",
            "accessKeyId",
            "secretName",
            "username",
            "apiKeySecret",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn triggers_on_literal_secrets() {
        let values = "\
auth:
  username: admin
  password: changeme
  existingSecret: web-auth
api_key: sk-live-0123456789
redis:
  token: 123456
env:
  - name: DB_PASSWORD
    value: hunter2
  - name: LOG_LEVEL
    value: debug
";
        let found = run(
            &ValuesHardCodedSecret,
            &chart(CHART_YAML, Some(values), &[]),
        );
        insta::assert_yaml_snapshot!(found);
        assert_eq!(
            positions(&found),
            [
                ("charts/web/values.yaml".to_string(), 3, 13),
                ("charts/web/values.yaml".to_string(), 5, 10),
                ("charts/web/values.yaml".to_string(), 7, 10),
                ("charts/web/values.yaml".to_string(), 10, 12),
            ]
        );
        for f in &found {
            for secret in ["changeme", "sk-live", "123456", "hunter2"] {
                assert!(!f.message.contains(secret), "{}", f.message);
            }
        }
    }

    #[test]
    fn quiet_on_empty_values_and_placeholders() {
        let values = "\
auth:
  password: \"\"
  rootPassword:
  existingSecret: web-auth
  token: <set at install>
  apiKey: ${API_KEY}
  secretKey: ENC[AES256_GCM,data:abc]
  privateKey: \"{{ .Values.global.key }}\"
  accessKey: ref+vault://secret/app#key
serviceAccount:
  automountServiceAccountToken: true
tls:
  secret:
    name: web-tls
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef: {name: db, key: password}
";
        assert!(
            run(
                &ValuesHardCodedSecret,
                &chart(CHART_YAML, Some(values), &[])
            )
            .is_empty()
        );
    }
}
