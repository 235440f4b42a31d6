//! aen-engine's error: the core's ([`aen_core::Error`], which every core module's error
//! goes into), the engine's module errors, the file formats' errors, a message, or one
//! of these with what was being done around it.
//!
//! Printed with `{:#}` (directly, as the TUI does, or as an `anyhow::Error`, as the
//! CLI does) it reads like anyhow's chain, `context: cause: cause`, every cause once.

use crate::settings::ConfigError;
use crate::snapshot::SnapshotError;
use std::error::Error as StdError;
use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] aen_core::Error),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Tensors(#[from] safetensors::SafeTensorError),
    #[error(transparent)]
    Int(#[from] std::num::ParseIntError),
    #[error(transparent)]
    Float(#[from] std::num::ParseFloatError),
    /// Any other error (a plot's; an experiment's, which holds an anyhow chain), its
    /// causes kept.
    #[error(transparent)]
    Other(Foreign),
    /// A message of its own, where anyhow would `bail!("...")`.
    #[error("{0}")]
    Msg(String),
    /// `source`, with what was being done when it happened.
    #[error(fmt = aen_core::chain)]
    Context {
        msg: String,
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    pub fn msg(m: impl fmt::Display) -> Error {
        Error::Msg(m.to_string())
    }

    /// Keeps `e` and its causes.
    pub fn other(e: impl Into<Box<dyn StdError + Send + Sync>>) -> Error {
        Error::Other(Foreign(e.into()))
    }
}

/// The core's errors, each through [`aen_core::Error`], so that `?` takes them.
macro_rules! via_core {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Error {
                Error::Core(e.into())
            }
        })*
    };
}

via_core!(
    aen_core::fsio::FsError,
    aen_core::fsio::LockError,
    aen_core::data::DataError,
    aen_core::data::IdxError,
    aen_core::data::fetch::FetchError,
    aen_core::data::exported::ExportError,
    aen_core::gdata::GDataError,
    aen_core::groups::GroupError,
    aen_core::train::TrainError,
    std::io::Error,
);

impl<E: StdError + Send + Sync + 'static> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for Error
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Error {
        Error::other(e)
    }
}

/// A boxed error of another crate. Transparent: it says what the error says, and under
/// `{:#}` its causes after it.
#[derive(Debug)]
pub struct Foreign(Box<dyn StdError + Send + Sync>);

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        if f.alternate() {
            let mut cause = self.0.source();
            while let Some(c) = cause {
                write!(f, ": {c}")?;
                cause = c.source();
            }
        }
        Ok(())
    }
}

impl StdError for Foreign {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// anyhow's `context` and `with_context`, for any result whose error becomes an
/// [`Error`], and for an option (None becomes the message).
pub trait ResultExt<T> {
    fn context<M: fmt::Display>(self, msg: M) -> Result<T>;
    fn with_context<M: fmt::Display, F: FnOnce() -> M>(self, f: F) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn context<M: fmt::Display>(self, msg: M) -> Result<T> {
        self.with_context(|| msg)
    }

    fn with_context<M: fmt::Display, F: FnOnce() -> M>(self, f: F) -> Result<T> {
        self.map_err(|e| Error::Context {
            msg: f().to_string(),
            source: Box::new(e.into()),
        })
    }
}

impl<T> ResultExt<T> for Option<T> {
    fn context<M: fmt::Display>(self, msg: M) -> Result<T> {
        self.ok_or_else(|| Error::msg(msg))
    }

    fn with_context<M: fmt::Display, F: FnOnce() -> M>(self, f: F) -> Result<T> {
        self.ok_or_else(|| Error::msg(f()))
    }
}

/// anyhow's `bail!`: returns an [`Error::Msg`], formatted like `format!`, or of any
/// `Display` value.
macro_rules! bail {
    ($msg:literal $(,)?) => {
        return Err($crate::error::Error::msg(format_args!($msg)))
    };
    ($msg:expr $(,)?) => {
        return Err($crate::error::Error::msg($msg))
    };
    ($fmt:literal, $($arg:tt)+) => {
        return Err($crate::error::Error::msg(format_args!($fmt, $($arg)+)))
    };
}
pub(crate) use bail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_prints_every_cause_once_through_the_core_and_foreign_errors() {
        let core = Err::<(), _>(aen_core::Error::msg("bad bytes"))
            .context("line 3")
            .context("table.csv")
            .unwrap_err();
        assert_eq!(core.to_string(), "table.csv");
        assert_eq!(format!("{core:#}"), "table.csv: line 3: bad bytes");
        let foreign = Error::other(core);
        assert_eq!(format!("{foreign}"), "table.csv");
        assert_eq!(format!("{foreign:#}"), "table.csv: line 3: bad bytes");
        let mut seen = vec![foreign.to_string()];
        let mut s = foreign.source();
        while let Some(c) = s {
            seen.push(c.to_string());
            s = c.source();
        }
        assert_eq!(seen, ["table.csv", "line 3", "bad bytes"]);
    }

    #[test]
    fn bail_formats_like_format() {
        let f = |n: usize| -> Result<()> {
            if n == 0 {
                bail!("none");
            }
            if n == 1 {
                bail!(String::from("one"));
            }
            bail!("{n} is {}", "many")
        };
        let said: Vec<String> = (0..3).map(|n| f(n).unwrap_err().to_string()).collect();
        assert_eq!(said, ["none", "one", "2 is many"]);
    }
}
