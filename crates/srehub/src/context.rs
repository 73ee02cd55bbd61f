//! What every command needs: resolved settings, and how to talk to the terminal.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context as _;
use srehub_config::{
    CheckOptions, ColorChoice, ConfigSource, DoctorOptions, Layers, LogFormat, LogOptions, Options,
    Settings,
};

use crate::args::{ColorArg, GlobalArgs, LogFormatArg, ReportArgs};

/// Settings plus terminal facts, for one command.
pub struct Context {
    pub settings: Settings,
    pub layers: Layers,
    pub quiet: bool,
    pub color: bool,
    pub stdout_is_terminal: bool,
}

/// The flags layer of the configuration.
pub fn flag_options(
    global: &GlobalArgs,
    report: Option<&ReportArgs>,
    kube_version: Option<&str>,
) -> Options {
    let mut o = Options {
        color: global.color.map(|c| match c {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }),
        ..Options::default()
    };
    if global.log_level.is_some() || global.log_format.is_some() {
        o.log = Some(LogOptions {
            level: global.log_level.clone(),
            format: global.log_format.map(|f| match f {
                LogFormatArg::Pretty => LogFormat::Pretty,
                LogFormatArg::Json => LogFormat::Json,
            }),
        });
    }
    if let Some(r) = report {
        o.output = r.output.map(Into::into);
        o.fail_on = r.fail_on.map(Into::into);
        if !r.select.is_empty() || !r.ignore.is_empty() {
            o.checks = Some(CheckOptions {
                select: (!r.select.is_empty()).then(|| r.select.clone()),
                ignore: (!r.ignore.is_empty()).then(|| r.ignore.clone()),
                severity: None,
            });
        }
    }
    if let Some(v) = kube_version {
        o.doctor = Some(DoctorOptions {
            kube_version: Some(v.to_string()),
            ..DoctorOptions::default()
        });
    }
    o
}

impl Context {
    /// Loads the configuration layers and sets up logging.
    pub fn new(global: &GlobalArgs, flags: Options) -> anyhow::Result<Context> {
        let cwd = std::env::current_dir().context("reading the working directory")?;
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let (settings, layers) =
            srehub_config::load(global.config.as_deref(), Path::new(&cwd), &env, flags)?;
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match settings.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_is_terminal
                    && !no_color
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        };
        let stderr_color = matches!(settings.color, ColorChoice::Always)
            || (matches!(settings.color, ColorChoice::Auto)
                && std::io::stderr().is_terminal()
                && !no_color);
        crate::logging::init(&settings.log, stderr_color)?;
        for s in &layers.sources {
            match s {
                ConfigSource::File(p) => tracing::debug!(file = %p.display(), "config file"),
                ConfigSource::DotEnv(p) => tracing::debug!(file = %p.display(), ".env file"),
                ConfigSource::Env(vars) => tracing::debug!(vars = ?vars, "config from environment"),
                ConfigSource::Flags => tracing::debug!("config from flags"),
            }
        }
        Ok(Context {
            settings,
            layers,
            quiet: global.quiet,
            color,
            stdout_is_terminal,
        })
    }

    /// A spinner on stderr for long work: hidden with -q or when stderr is not a terminal.
    pub fn spinner(&self, message: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(message.to_string());
        pb.enable_steady_tick(std::time::Duration::from_millis(100));
        pb
    }
}
