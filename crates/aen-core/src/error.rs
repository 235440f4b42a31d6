//! aen-core's error: any module's own error, an OS error, a message, or one of these
//! with what was being done around it. Modules keep returning their own errors (a
//! caller may match on a `DataError`); this is the one type a caller can `?` them all
//! into, and a chain of contexts ends in one of them.
//!
//! Printed with `{:#}` (directly, or as an `anyhow::Error`) it reads like anyhow's
//! chain, `context: cause: cause`, every cause once: the wrapped errors are
//! transparent, and the module errors print their own OS error rather than mark it a
//! `source()` (see fsio).

use crate::data::{DataError, IdxError, exported::ExportError, fetch::FetchError};
use crate::fsio::{FsError, LockError};
use crate::gdata::GDataError;
use crate::groups::GroupError;
use crate::train::TrainError;
use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Idx(#[from] IdxError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    GData(#[from] GDataError),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    Train(#[from] TrainError),
    /// An OS error as it came; the call site names the path in a context around it.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A message of its own, where anyhow would `bail!("...")`.
    #[error("{0}")]
    Msg(String),
    /// `source`, with what was being done when it happened.
    #[error(fmt = chain)]
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
}

/// `msg`, and under `{:#}` the causes after it as anyhow prints them: `msg: cause`.
/// thiserror's own Display ignores the `#` flag, and the TUI prints errors with it.
/// The Display of a context variant (`#[error(fmt = chain)]`), here and in the engine.
pub fn chain<M: fmt::Display, S: fmt::Display>(
    msg: &M,
    source: &S,
    f: &mut fmt::Formatter,
) -> fmt::Result {
    write!(f, "{msg}")?;
    if f.alternate() {
        write!(f, ": {source:#}")?;
    }
    Ok(())
}

/// anyhow's `context` and `with_context`, for any result whose error becomes an
/// [`Error`].
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ok: bool) -> Result<()> {
        if !ok {
            return Err(Error::msg(format_args!("the {} is bad", "file")));
        }
        Ok(())
    }

    #[test]
    fn alternate_prints_every_cause_once_and_plain_only_the_outermost() {
        let e = read(false)
            .context("line 2")
            .context("table.csv")
            .unwrap_err();
        assert_eq!(e.to_string(), "table.csv");
        assert_eq!(format!("{e:#}"), "table.csv: line 2: the file is bad");
        let mut causes = 0;
        let mut s = std::error::Error::source(&e);
        while let Some(c) = s {
            causes += 1;
            s = c.source();
        }
        assert_eq!(causes, 2);
    }

    #[test]
    fn module_errors_are_transparent() {
        let e: Error = GroupError::BadBits("01".into()).into();
        assert_eq!(
            format!("{e:#}"),
            GroupError::BadBits("01".into()).to_string()
        );
        assert!(std::error::Error::source(&e).is_none());
        let e = Err::<(), _>(GroupError::BadBits("01".into()))
            .context("groups")
            .unwrap_err();
        assert!(format!("{e:#}").starts_with("groups: group vector `01`"));
    }
}
