/// Errors of the report model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing a rendered report failed (a closed pipe is reported as this too).
    #[error("writing the report")]
    Write(#[from] std::io::Error),
    /// Serializing the report failed.
    #[error("serializing the report as {format}")]
    Serialize {
        format: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
