//! Fixes for manifest findings that need the YAML tree and text (the doctor's checks see neither).

use srehub_core::fix::{Edit, Fix};
use srehub_model::manifest::ManifestObject;
use srehub_model::yaml::{Node, Pos, Value};

use super::pod_template;

/// The character at a position.
fn char_at(text: &str, pos: Pos) -> Option<char> {
    let line = text
        .lines()
        .nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
    line.chars()
        .nth(usize::try_from(pos.column).ok()?.checked_sub(1)?)
}

/// The plain token at a position (up to whitespace, `,`, `}` or a comment), in characters.
fn token_len(text: &str, pos: Pos) -> Option<u32> {
    let line = text
        .lines()
        .nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
    let n = line
        .chars()
        .skip(usize::try_from(pos.column).ok()?.checked_sub(1)?)
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '}' | ']' | '#'))
        .count();
    u32::try_from(n).ok().filter(|n| *n > 0)
}

fn container<'a>(obj: &'a ManifestObject, name: &str) -> Option<&'a Node> {
    let t = pod_template(obj)?;
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|l| t.spec.get(l).map(Node::items).unwrap_or(&[]))
        .find(|n| n.get("name").and_then(Node::as_str) == Some(name))
}

/// Sets `securityContext.allowPrivilegeEscalation: false` on a container, keeping the file's layout:
/// flips an existing value, adds the key to an existing `securityContext`, or adds a `securityContext`.
/// `None` where no edit is safe (flow-style containers, odd layouts).
pub fn disallow_privilege_escalation(obj: &ManifestObject, name: &str, text: &str) -> Option<Fix> {
    let c = container(obj, name)?;
    let entries = c.entries();
    let first = entries.first()?;
    if char_at(text, c.pos) == Some('{') {
        return None;
    }
    let description = "set securityContext.allowPrivilegeEscalation: false".to_string();
    let edit = match entries.iter().find(|(k, _)| k.text == "securityContext") {
        Some((key, sc)) => match &sc.value {
            Value::Map(sc_entries) => {
                if let Some((_, v)) = sc_entries
                    .iter()
                    .find(|(k, _)| k.text == "allowPrivilegeEscalation")
                {
                    Edit::replace(v.pos.line, v.pos.column, token_len(text, v.pos)?, "false")
                } else if char_at(text, sc.pos) == Some('{') {
                    let sep = if sc_entries.is_empty() { "" } else { ", " };
                    if sc_entries.is_empty() {
                        // `{}`: replace the braces.
                        Edit::replace(
                            sc.pos.line,
                            sc.pos.column,
                            2,
                            "{allowPrivilegeEscalation: false}",
                        )
                    } else {
                        Edit::insert(
                            sc.pos.line,
                            sc.pos.column + 1,
                            format!("allowPrivilegeEscalation: false{sep}"),
                        )
                    }
                } else {
                    let (k, _) = sc_entries.first()?;
                    if k.pos.line <= key.pos.line {
                        return None;
                    }
                    let indent = " ".repeat(usize::try_from(k.pos.column).ok()?.checked_sub(1)?);
                    Edit::insert(
                        k.pos.line,
                        1,
                        format!("{indent}allowPrivilegeEscalation: false\n"),
                    )
                }
            }
            _ => return None,
        },
        None => {
            // Before the container's second key, at its indentation.
            let (second, _) = entries.get(1)?;
            if second.pos.line <= first.0.pos.line {
                return None;
            }
            let indent = " ".repeat(usize::try_from(second.pos.column).ok()?.checked_sub(1)?);
            Edit::insert(
                second.pos.line,
                1,
                format!("{indent}securityContext:\n{indent}  allowPrivilegeEscalation: false\n"),
            )
        }
    };
    Some(Fix {
        description,
        edits: vec![edit],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_core::fix::apply;
    use srehub_model::manifest::parse_file;

    fn fixed(text: &str) -> Option<String> {
        let f = parse_file(text, "t.yaml").unwrap();
        let fix = disallow_privilege_escalation(&f.objects[0], "app", text)?;
        let (out, n) = apply(text, &[&fix]);
        assert_eq!(n, [0]);
        // The result still parses and now says false.
        let again = parse_file(&out, "t.yaml").unwrap();
        let c = container(&again.objects[0], "app").unwrap();
        assert_eq!(
            c.at(&["securityContext", "allowPrivilegeEscalation"])
                .unwrap()
                .value,
            Value::Bool(false)
        );
        Some(out)
    }

    const HEAD: &str =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    # the app\n";

    #[test]
    fn adds_a_security_context_keeping_comments_and_layout() {
        let text = format!("{HEAD}    - name: app  # main\n      image: nginx:1.27\n");
        assert_eq!(
            fixed(&text).unwrap(),
            format!(
                "{HEAD}    - name: app  # main\n      securityContext:\n        allowPrivilegeEscalation: false\n      image: nginx:1.27\n"
            )
        );
    }

    #[test]
    fn adds_the_key_to_an_existing_context_or_flips_it() {
        let text =
            format!("{HEAD}    - name: app\n      securityContext:\n        runAsNonRoot: true\n");
        assert!(fixed(&text).unwrap().contains("      securityContext:\n        allowPrivilegeEscalation: false\n        runAsNonRoot: true\n"));
        let text = format!(
            "{HEAD}    - name: app\n      securityContext:\n        allowPrivilegeEscalation: true # why\n"
        );
        assert!(
            fixed(&text)
                .unwrap()
                .contains("allowPrivilegeEscalation: false # why")
        );
        let text = format!(
            "{HEAD}    - name: app\n      securityContext: {{runAsUser: 1}}\n      image: x\n"
        );
        assert!(
            fixed(&text)
                .unwrap()
                .contains("securityContext: {allowPrivilegeEscalation: false, runAsUser: 1}")
        );
        let text = format!("{HEAD}    - name: app\n      securityContext: {{}}\n      image: x\n");
        assert!(
            fixed(&text)
                .unwrap()
                .contains("securityContext: {allowPrivilegeEscalation: false}")
        );
    }

    #[test]
    fn leaves_flow_style_containers_alone() {
        let text = format!("{HEAD}    - {{name: app, image: x}}\n");
        assert!(fixed(&text).is_none());
    }
}
