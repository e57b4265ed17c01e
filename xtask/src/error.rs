//! The one error type of xtask: every failure says what was being done.

use std::path::PathBuf;

/// Why an xtask command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Error {
    /// A file-system or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What xtask was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A child command could not start or exited unsuccessfully.
    #[error("`{command}` failed: {reason}")]
    Command {
        /// The command line, for copy-paste.
        command: String,
        /// Exit status or spawn error.
        reason: String,
    },
    /// A required file is missing.
    #[error("missing {path}: {hint}")]
    Missing {
        /// The path that should exist.
        path: PathBuf,
        /// What to do about it.
        hint: String,
    },
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

/// xtask's result type.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds context to `std::io::Result`s.
pub(crate) trait IoContext<T> {
    /// Wraps the error with what was being done.
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: context(),
            source,
        })
    }
}

/// Shorthand for [`Error::Other`].
pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::Other(message.into()))
}
