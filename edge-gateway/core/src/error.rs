//! The gateway's one error type, and the one place that maps it to a status and public body.

/// Result with the gateway's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Placeholder; filled in by the gateway request path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client sent something wrong.
    #[error("bad request: {0}")]
    BadRequest(String),
}
