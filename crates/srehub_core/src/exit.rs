/// The process exit codes of every srehub command. They are a contract for CI and scripts: stable, and
/// documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// `0`: the command ran and found nothing at or above `--fail-on`.
    Clean = 0,
    /// `1`: the command ran and found something at or above `--fail-on`.
    Findings = 1,
    /// `2`: bad usage, configuration or input; nothing was analyzed.
    Usage = 2,
    /// `3`: a source (API server, Prometheus, a registry, …) could not be reached.
    Unreachable = 3,
}

impl ExitCode {
    /// The numeric code passed to the operating system.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}
