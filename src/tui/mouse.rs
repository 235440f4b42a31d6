//! The mouse: a click focuses the pane under it, toggles a group or selects a saved
//! session; the wheel scrolls what the keys would. Each draw records where its
//! clickable things are, so a click always means what is on screen.

use super::app::{App, Overlay};
use super::keys::Action;
use super::state::{Pane, SetupFocus};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Something a click can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pane(Pane),
    Setup(SetupFocus),
    Group(usize),
    Session(usize),
}

/// Where the last draw put the clickable things, in drawing order.
#[derive(Default)]
pub struct HitMap(std::cell::RefCell<Vec<(Rect, Target)>>);

impl HitMap {
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    pub fn add(&self, area: Rect, t: Target) {
        self.0.borrow_mut().push((area, t));
    }

    /// The last drawn target under (column, row): what is drawn on top.
    pub fn at(&self, column: u16, row: u16) -> Option<Target> {
        let p = Position::new(column, row);
        let map = self.0.borrow();
        map.iter()
            .rev()
            .find(|(r, _)| r.contains(p))
            .map(|(_, t)| *t)
    }
}

impl App {
    pub fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(t) = self.hits.at(m.column, m.row) {
                    self.click(t);
                }
            }
            _ => {}
        }
    }

    fn click(&mut self, t: Target) {
        match (&mut self.overlay, t) {
            (Some(Overlay::Sessions(b)), Target::Session(i)) => {
                b.selected = i.min(b.entries.len().saturating_sub(1));
                b.confirm_delete = false;
            }
            // Anything else under an open overlay is covered by it.
            (Some(_), _) => {}
            (None, Target::Pane(p)) => self.dash.focus = p,
            (None, Target::Setup(f)) => self.setup.focus = f,
            (None, Target::Group(i)) => {
                self.setup.focus = SetupFocus::Groups;
                self.setup.group_cursor = i;
                self.update(Action::Toggle);
            }
            (None, Target::Session(_)) => {}
        }
    }
}
