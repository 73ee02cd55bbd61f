use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `CMD` and `ENTRYPOINT` written in shell form (`CMD node server.js`) rather than exec (JSON) form
    /// (`CMD ["node", "server.js"]`).
    ///
    /// ## Why it matters
    /// The shell form runs `/bin/sh -c "…"`, so PID 1 is the shell, not your process. `docker stop` and
    /// Kubernetes send SIGTERM to PID 1; `sh` does not forward it, the process never drains its
    /// connections, and it is SIGKILLed after the grace period (dropped requests on every rollout). A
    /// shell-form `ENTRYPOINT` also ignores any `CMD` or `docker run` arguments.
    ///
    /// ## How to fix
    /// Use the exec form: `ENTRYPOINT ["/app/server", "--port", "8080"]`. If you need variable
    /// expansion or setup, use a small entrypoint script that ends with `exec "$@"`, or keep the shell
    /// form but start with `exec` (`CMD exec node server.js`) so the process replaces the shell.
    DKR009 ShellFormEntrypoint { name: "shell-form-entrypoint", severity: Warning, category: Reliability, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for ShellFormEntrypoint {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "CMD" || i.keyword == "ENTRYPOINT")
        {
            let args = i.args.trim();
            if i.exec_form.is_some() || args.is_empty() || args.starts_with("exec ") {
                continue;
            }
            let exec: Vec<String> = args
                .split_whitespace()
                .map(|w| format!("\"{w}\""))
                .collect();
            out.push(
                input
                    .at(&Self::META, i, format!("`{} {args}` is in shell form: PID 1 is /bin/sh, which does not forward SIGTERM", i.keyword))
                    .hint(format!("Use the exec form: {} [{}]", i.keyword, exec.join(", "))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_shell_form() {
        let found = run(
            &ShellFormEntrypoint,
            "FROM node:22\nENTRYPOINT node server.js\nFROM python:3.12-slim\nCMD python app.py\n",
        );
        assert_eq!(lines(&found), [2, 4]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_exec_form() {
        let text = "FROM node:22\nENTRYPOINT [\"node\", \"server.js\"]\nCMD [\"--port\", \"8080\"]\nFROM alpine:3.20\nCMD exec /app/run\n";
        assert!(run(&ShellFormEntrypoint, text).is_empty());
    }
}
