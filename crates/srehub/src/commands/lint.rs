//! `srehub lint PATH…`.

use srehub_core::ExitCode;
use srehub_engine::lint::{FileKind, Request};

use crate::args::{GlobalArgs, LintArgs, StdinKind};
use crate::context::{Context, flag_options};

pub fn run(global: &GlobalArgs, args: &LintArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(global, flag_options(global, Some(&args.report), None))?;
    let req = Request {
        paths: args.paths.clone(),
        stdin_kind: args.stdin_kind.map(|k| match k {
            StdinKind::Dockerfile => FileKind::Dockerfile,
        }),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut stdin = std::io::stdin();
    let report = runtime.block_on(srehub_engine::lint::run(&req, &ctx.settings, &mut stdin))?;
    crate::output::emit(&ctx, &report)
}
