//! `srehub lint PATH…`.

use srehub_core::ExitCode;
use std::io::Write;

use srehub_engine::lint::{FileKind, FixMode, Request};

use crate::args::{GlobalArgs, LintArgs, StdinKind};
use crate::context::{Context, flag_options};

pub fn run(global: &GlobalArgs, args: &LintArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(global, flag_options(global, Some(&args.report), None))?;
    let req = Request {
        paths: args.paths.clone(),
        stdin_kind: args.stdin_kind.map(|k| match k {
            StdinKind::Dockerfile => FileKind::Dockerfile,
            StdinKind::Manifest => FileKind::Manifest,
            StdinKind::Terraform => FileKind::Terraform,
            StdinKind::GithubWorkflow => FileKind::GithubWorkflow,
            StdinKind::GithubAction => FileKind::GithubAction,
            StdinKind::GitlabCi => FileKind::GitlabCi,
        }),
        kube_version: args.kube_version.clone(),
        baseline: args.baseline.clone(),
        fix: if args.fix {
            FixMode::Write
        } else if args.diff {
            FixMode::Diff
        } else {
            FixMode::Off
        },
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut stdin = std::io::stdin();
    let outcome = runtime.block_on(srehub_engine::lint::run(&req, &ctx.settings, &mut stdin))?;
    if let Some(diff) = outcome.diff {
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(diff.as_bytes()).and_then(|()| out.flush())
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.into());
        }
        return Ok(if diff.is_empty() {
            ExitCode::Clean
        } else {
            ExitCode::Findings
        });
    }
    crate::output::emit(&ctx, &outcome.report)
}
