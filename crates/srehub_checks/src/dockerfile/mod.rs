//! Dockerfile checks of `srehub lint` (group `dockerfile`), over a parsed [`Dockerfile`].

mod add_instead_of_copy;
mod apk_add_without_no_cache;
mod apt_get_lists_not_removed;
mod apt_get_without_no_install_recommends;
mod base_image_latest_tag;
mod cd_in_run;
mod compiled_language_single_stage;
mod copy_from_unknown_stage;
mod last_user_root;
mod multiple_cmd_or_entrypoint;
mod package_version_unpinned;
mod pip_install_with_cache;
mod pipe_without_pipefail;
mod secret_in_arg_or_env;
pub mod shell;
mod shell_form_entrypoint;
mod workdir_relative;

pub use add_instead_of_copy::AddInsteadOfCopy;
pub use apk_add_without_no_cache::ApkAddWithoutNoCache;
pub use apt_get_lists_not_removed::AptGetListsNotRemoved;
pub use apt_get_without_no_install_recommends::AptGetWithoutNoInstallRecommends;
pub use base_image_latest_tag::BaseImageLatestTag;
pub use cd_in_run::CdInRun;
pub use compiled_language_single_stage::CompiledLanguageSingleStage;
pub use copy_from_unknown_stage::CopyFromUnknownStage;
pub use last_user_root::LastUserRoot;
pub use multiple_cmd_or_entrypoint::MultipleCmdOrEntrypoint;
pub use package_version_unpinned::PackageVersionUnpinned;
pub use pip_install_with_cache::PipInstallWithCache;
pub use pipe_without_pipefail::PipeWithoutPipefail;
pub use secret_in_arg_or_env::SecretInArgOrEnv;
pub use shell_form_entrypoint::ShellFormEntrypoint;
pub use workdir_relative::WorkdirRelative;

use srehub_core::{Check, CheckMeta, Finding, Location};
use srehub_model::dockerfile::{Dockerfile, Instruction};

/// What every Dockerfile check reads.
pub struct DockerfileInput<'a> {
    /// The path shown in findings.
    pub path: &'a str,
    pub file: &'a Dockerfile,
    /// The file's text, for fixes.
    pub text: &'a str,
}

impl<'a> DockerfileInput<'a> {
    /// A finding of `meta` at an instruction.
    pub fn at(&self, meta: &CheckMeta, i: &Instruction, message: impl Into<String>) -> Finding {
        self.at_line(meta, i.line, i.column, message)
    }

    /// A finding of `meta` at a line and column.
    pub fn at_line(
        &self,
        meta: &CheckMeta,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(meta, message).location(Location {
            file: self.path.to_string(),
            line: Some(line),
            column: Some(column),
        })
    }

    /// The text of a line (1-based), without its newline.
    pub fn line_text(&self, line: u32) -> Option<&'a str> {
        self.text
            .lines()
            .nth(usize::try_from(line).ok()?.checked_sub(1)?)
    }

    /// Whether `name` is a stage of this file (`FROM base AS name`), compared as BuildKit does.
    pub fn is_stage(&self, name: &str) -> bool {
        self.file
            .stages
            .iter()
            .any(|s| s.name.as_deref() == Some(&name.to_ascii_lowercase()))
    }
}

/// A Dockerfile check, for any lifetime of its input.
pub type DockerfileCheck = dyn for<'a> Check<DockerfileInput<'a>>;

/// The Dockerfile checks.
pub const CHECKS: &[&DockerfileCheck] = &[
    &BaseImageLatestTag,
    &AddInsteadOfCopy,
    &AptGetWithoutNoInstallRecommends,
    &AptGetListsNotRemoved,
    &PackageVersionUnpinned,
    &LastUserRoot,
    &WorkdirRelative,
    &CdInRun,
    &ShellFormEntrypoint,
    &MultipleCmdOrEntrypoint,
    &PipeWithoutPipefail,
    &SecretInArgOrEnv,
    &CopyFromUnknownStage,
    &CompiledLanguageSingleStage,
    &ApkAddWithoutNoCache,
    &PipInstallWithCache,
];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Finding, Findings};
    use srehub_model::dockerfile::parse;

    use super::{DockerfileCheck, DockerfileInput};

    /// Runs one check over Dockerfile text.
    pub fn run(check: &DockerfileCheck, text: &str) -> Vec<Finding> {
        let file = parse(text).expect("test Dockerfile parses");
        let input = DockerfileInput {
            path: "Dockerfile",
            file: &file,
            text,
        };
        let mut out = Findings::new();
        check.run(&input, &mut out);
        out.into_vec()
    }

    /// The lines of findings, in order.
    pub fn lines(found: &[Finding]) -> Vec<u32> {
        found
            .iter()
            .filter_map(|f| f.location.as_ref().and_then(|l| l.line))
            .collect()
    }
}
