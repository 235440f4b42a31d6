//! Search sessions on disk: the snapshot file of a run, the summary a list of sessions
//! shows of it, and the index that lists a folder of them without reading them.

mod file;
mod index;
mod summary;

pub use file::*;
pub use index::{INDEX, Listing, list};
pub use summary::{Summary, summary};
