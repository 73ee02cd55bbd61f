//! srehub configuration.
//!
//! Layers, lowest precedence first: built-in defaults, `srehub.yaml` (the working directory, then
//! `$XDG_CONFIG_HOME/srehub/`, or the file given with `--config`/`SREHUB_CONFIG`), `SREHUB_*` environment
//! variables (with `.env` from the working directory beneath the real environment), then flags. Each
//! layer is an [`Options`]; merged, they resolve into complete [`Settings`].

mod error;
mod exemption;
mod load;
mod options;
mod secret;
mod settings;

pub use error::Error;
pub use exemption::{ExemptionSet, Subject};
pub use load::{
    ConfigSource, Layers, dotenv_vars, env_options, find_config_file, is_command_var, load, merge,
    parse_file,
};
pub use options::{
    CheckOptions, ColorChoice, DoctorOptions, Exemption, KubeOptions, LogFormat, LogOptions,
    Options, ServeCacheOptions, ServeOptions, ServeTtlOptions,
};
pub use secret::Secret;
pub use settings::{DoctorSettings, KubeSettings, LogSettings, Settings};

/// The JSON schema of `srehub.yaml`, as committed under docs/.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Options);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
