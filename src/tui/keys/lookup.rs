//! Reading the keymap: the action of a key in a mode, the hint bar's keys and the
//! help's rows, all from the one table.

use super::kinds::Binding;
use super::kinds::{Action, Mode};
use super::table::BINDINGS;
use super::table_more::MORE;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Every binding, in the table's order.
fn all() -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().chain(MORE)
}

pub fn action_for(mode: Mode, key: &KeyEvent) -> Option<Action> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    all()
        .find(|b| b.modes.contains(&mode) && b.keys.contains(&key.code))
        .map(|b| b.action)
}

pub fn hints(mode: Mode) -> Vec<(&'static str, &'static str)> {
    all()
        .filter(|b| b.hint && b.modes.contains(&mode))
        .map(|b| (b.label, short(b.help)))
        .collect()
}

/// The first words of the help text, for the hint bar.
fn short(help: &'static str) -> &'static str {
    help.split([' ', '(', ':']).next().unwrap_or(help)
}

pub fn help_rows(mode: Mode) -> Vec<(&'static str, &'static str)> {
    all()
        .filter(|b| b.modes.contains(&mode))
        .map(|b| (b.label, b.help))
        .collect()
}

pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}

/// A key held with Ctrl or Alt: a command, never a character typed into a field.
pub fn is_chord(key: &KeyEvent) -> bool {
    key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}
