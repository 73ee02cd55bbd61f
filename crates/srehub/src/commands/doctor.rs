//! `srehub doctor [health|diagnose|audit]`.

use srehub_core::ExitCode;
use srehub_engine::doctor::{Request, Source};

use crate::args::{DoctorArgs, DoctorGroup, GlobalArgs};
use crate::context::{Context, flag_options};

pub fn run(global: &GlobalArgs, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let (groups, run) = match args.group {
        None => (vec![], args.run),
        Some(DoctorGroup::Health(r)) => (vec!["health".to_string()], r),
        Some(DoctorGroup::Diagnose(r)) => (vec!["diagnose".to_string()], r),
        Some(DoctorGroup::Audit(r)) => (vec!["audit".to_string()], r),
    };
    let ctx = Context::new(global, flag_options(global, Some(&run.report), run.kube_version.as_deref()))?;
    let req = Request {
        source: Source::Snapshot(run.snapshot),
        groups,
        now: run.now,
    };
    let spinner = ctx.spinner("reading the cluster snapshot…");
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut stdin = std::io::stdin();
    let report = runtime.block_on(srehub_engine::doctor::run(&req, &ctx.settings, &mut stdin));
    spinner.finish_and_clear();
    crate::output::emit(&ctx, &report?)
}
