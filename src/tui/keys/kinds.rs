//! What a key can mean: the modes keys are read in, the actions they stand for, and a
//! binding of keys to an action, with its help.

use crossterm::event::KeyCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Setup,
    /// The dashboard of a search in progress.
    Dashboard,
    /// The dashboard of a search that has ended, failed or was opened read-only: nothing
    /// runs, so pausing and tweaking give way to evaluation, export and a new search.
    Finished,
    Form,
    Sessions,
    /// The ground-truth view: with an incomplete table and no sweep running, with a
    /// sweep running, and with the complete table.
    Truth,
    TruthSweeping,
    TruthComplete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Left,
    Right,
    Toggle,
    NextPreset,
    Resample,
    Start,
    OpenSessions,
    Zoom,
    PauseResume,
    Tweaks,
    Save,
    FinalEval,
    Export,
    Sort,
    NewSearch,
    Extend,
    Details,
    Edit,
    Apply,
    Close,
    ViewReadOnly,
    Delete,
    Rename,
    Compare,
    GroundTruth,
    Sweep,
    PageUp,
    PageDown,
    Oldest,
    Newest,
    Filter,
    Analysis,
    Reset,
    Note,
    Tags,
}

pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the one-line hint bar.
    pub hint: bool,
}

/// The mode groups the table's rows name.
pub const TRUTH: &[Mode] = &[Mode::Truth, Mode::TruthSweeping, Mode::TruthComplete];
/// Where ↑/↓ move a selection or scroll; the ground-truth view moves its cursor.
pub const LISTS: &[Mode] = &[
    Mode::Setup,
    Mode::Dashboard,
    Mode::Finished,
    Mode::Form,
    Mode::Sessions,
];
pub const DASH: &[Mode] = &[Mode::Dashboard, Mode::Finished];
/// Every screen but the forms: where `?` and `q` mean help and quit.
pub const BROWSE: &[Mode] = &[
    Mode::Setup,
    Mode::Dashboard,
    Mode::Finished,
    Mode::Truth,
    Mode::TruthSweeping,
    Mode::TruthComplete,
];
