//! The keymap: one table drives key handling, the hint bar and the `?` overlay, so
//! help never drifts from behaviour.

mod kinds;
mod lookup;
mod table;
mod table_more;

pub use kinds::{Action, Mode};
// The key table's rows, for the tests that check it.
#[cfg(feature = "testing")]
pub use kinds::Binding;
pub use lookup::{action_for, help_rows, hints, is_chord, is_ctrl_c};
