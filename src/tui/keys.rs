//! The keymap: one table drives key handling, the hint bar and the `?` overlay, so
//! help never drifts from behaviour.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

use KeyCode::*;
use Mode::*;

const TRUTH: &[Mode] = &[Truth, TruthSweeping, TruthComplete];
/// Where ↑/↓ move a selection or scroll; the ground-truth view moves its cursor.
const LISTS: &[Mode] = &[Setup, Dashboard, Finished, Form, Sessions];
const DASH: &[Mode] = &[Dashboard, Finished];
/// Every screen but the forms: where `?` and `q` mean help and quit.
const BROWSE: &[Mode] = &[
    Setup,
    Dashboard,
    Finished,
    Truth,
    TruthSweeping,
    TruthComplete,
];

pub const BINDINGS: &[Binding] = &[
    Binding {
        modes: BROWSE,
        keys: &[Char('?')],
        label: "?",
        action: Action::Help,
        help: "help: this list (↑/↓ scroll it, other keys close it)",
        hint: true,
    },
    Binding {
        modes: BROWSE,
        keys: &[Char('q')],
        label: "q",
        action: Action::Quit,
        help: "quit (asks first; a running search is autosaved, a sweep keeps its finished rows)",
        hint: true,
    },
    Binding {
        modes: &[Setup, Dashboard, Finished],
        keys: &[Tab],
        label: "Tab",
        action: Action::FocusNext,
        help: "next pane",
        hint: true,
    },
    Binding {
        modes: &[Setup, Dashboard, Finished],
        keys: &[BackTab],
        label: "S-Tab",
        action: Action::FocusPrev,
        help: "previous pane",
        hint: false,
    },
    Binding {
        modes: LISTS,
        keys: &[Up, Char('k')],
        label: "↑/k",
        action: Action::Up,
        help: "move up / scroll",
        hint: false,
    },
    Binding {
        modes: LISTS,
        keys: &[Down, Char('j')],
        label: "↓/j",
        action: Action::Down,
        help: "move down / scroll",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Up, Char('k')],
        label: "↑/k",
        action: Action::Up,
        help: "map cursor up a cell (the text beside the map says what the cell holds)",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Down, Char('j')],
        label: "↓/j",
        action: Action::Down,
        help: "map cursor down a cell",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Left, Char('h')],
        label: "←/h",
        action: Action::Left,
        help: "map cursor left a cell",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Right, Char('l')],
        label: "→/l",
        action: Action::Right,
        help: "map cursor right a cell",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[PageUp],
        label: "PgUp",
        action: Action::PageUp,
        help: "scroll the text beside the map a page up",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[PageDown],
        label: "PgDn",
        action: Action::PageDown,
        help: "scroll the text beside the map a page down",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Home],
        label: "Home",
        action: Action::Oldest,
        help: "the text's top",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[End],
        label: "End",
        action: Action::Newest,
        help: "the text's end",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[PageUp],
        label: "PgUp",
        action: Action::PageUp,
        help: "scroll the focused log or table a page up",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[PageDown],
        label: "PgDn",
        action: Action::PageDown,
        help: "scroll the focused log or table a page down",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[Home],
        label: "Home",
        action: Action::Oldest,
        help: "the log's first line, the models table's top row",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[End, Char('G')],
        label: "End/G",
        action: Action::Newest,
        help: "the log's newest line (following it again), the models table's last row",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[Char('/')],
        label: "/",
        action: Action::Filter,
        help: "filter: the log to lines holding a text, or (models table focused) the models to those with some groups; empty shows all",
        hint: false,
    },
    Binding {
        modes: &[Setup],
        keys: &[Left, Char('h')],
        label: "←/h",
        action: Action::Left,
        help: "previous data source",
        hint: false,
    },
    Binding {
        modes: &[Setup],
        keys: &[Right, Char('l')],
        label: "→/l",
        action: Action::Right,
        help: "next data source",
        hint: false,
    },
    Binding {
        modes: &[Setup],
        keys: &[Char(' ')],
        label: "Space",
        action: Action::Toggle,
        help: "toggle the group / pick the data set",
        hint: true,
    },
    Binding {
        modes: &[Setup],
        keys: &[Char('p')],
        label: "p",
        action: Action::NextPreset,
        help: "next preset group set (PAPER presets 0-5)",
        hint: true,
    },
    Binding {
        modes: &[Setup],
        keys: &[Char('r')],
        label: "r",
        action: Action::Resample,
        help: "draw new preview samples",
        hint: true,
    },
    Binding {
        modes: &[Setup],
        keys: &[Char('s')],
        label: "s",
        action: Action::Start,
        help: "start the search",
        hint: true,
    },
    Binding {
        modes: &[Setup, Finished],
        keys: &[Char('o')],
        label: "o",
        action: Action::OpenSessions,
        help: "browse saved sessions",
        hint: true,
    },
    // Browsing is rare while a search runs: the hint bar keeps its room for the run.
    Binding {
        modes: &[Dashboard],
        keys: &[Char('o')],
        label: "o",
        action: Action::OpenSessions,
        help: "browse saved sessions",
        hint: false,
    },
    Binding {
        modes: &[Setup, Form],
        keys: &[Enter],
        label: "Enter",
        action: Action::Edit,
        help: "edit the selected setting / confirm",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[Enter],
        label: "Enter",
        action: Action::Zoom,
        help: "zoom the focused pane (again to restore)",
        hint: true,
    },
    Binding {
        modes: &[Dashboard],
        keys: &[Char(' '), Char('p')],
        label: "Space",
        action: Action::PauseResume,
        help: "pause or resume the search (also p)",
        hint: true,
    },
    // Bound when nothing runs only to say why nothing happens.
    Binding {
        modes: &[Finished],
        keys: &[Char(' '), Char('p'), Char('t')],
        label: "Space",
        action: Action::PauseResume,
        help: "nothing to pause or tweak: the search is not running",
        hint: false,
    },
    Binding {
        modes: &[Dashboard],
        keys: &[Char('t'), Char('e')],
        label: "t",
        action: Action::Tweaks,
        help: "tweak settings live",
        hint: true,
    },
    Binding {
        modes: &[Dashboard],
        keys: &[Char('w')],
        label: "w",
        action: Action::Save,
        help: "save a copy of the session under a name (asks for it); the copy stays as it is",
        hint: true,
    },
    // Also once the search has ended, left out of the (full) hint bar there.
    Binding {
        modes: &[Finished],
        keys: &[Char('w')],
        label: "w",
        action: Action::Save,
        help: "save a copy of the ended session under a name (asks for it)",
        hint: false,
    },
    Binding {
        modes: &[Finished],
        keys: &[Char('e')],
        label: "e",
        action: Action::FinalEval,
        help: "evaluate: final evaluation (retrains the best states and the single-group networks)",
        hint: true,
    },
    Binding {
        modes: &[Finished],
        keys: &[Char('x')],
        label: "x",
        action: Action::Export,
        help: "export models.csv, summary.json, plots and the best state's network to a folder (asks where)",
        hint: true,
    },
    Binding {
        modes: DASH,
        keys: &[Char('s')],
        label: "s",
        action: Action::Sort,
        help: "sort the models table (validation, test, parameters, most recent)",
        hint: true,
    },
    Binding {
        modes: &[Finished],
        keys: &[Char('n')],
        label: "n",
        action: Action::NewSearch,
        help: "new search: back to the set-up screen",
        hint: true,
    },
    Binding {
        modes: DASH,
        keys: &[Char('f')],
        label: "f",
        action: Action::Analysis,
        help: "the run so far: best against networks trained (regret, with a table), the DQN's Q-network loss and replay memory, the Pareto front, each group's effect",
        hint: false,
    },
    Binding {
        modes: DASH,
        keys: &[Char('i')],
        label: "i",
        action: Action::Details,
        help: "details of the models table's selected row (↑/↓, PgUp/PgDn, Home/End there select)",
        hint: false,
    },
    Binding {
        modes: &[Finished],
        keys: &[Char('+')],
        label: "+",
        action: Action::Extend,
        help: "extend the search: raise its max models and continue it (asks how many)",
        hint: true,
    },
    Binding {
        modes: &[Form],
        keys: &[Left],
        label: "←/→",
        action: Action::Left,
        help: "the previous or next value of a choice; in a value being edited, move the cursor",
        hint: false,
    },
    Binding {
        modes: &[Form],
        keys: &[Right],
        label: "→",
        action: Action::Right,
        help: "the next value of a choice",
        hint: false,
    },
    Binding {
        modes: &[Form, Setup],
        keys: &[Char('d')],
        label: "d",
        action: Action::Reset,
        help: "the selected setting back to its default",
        hint: false,
    },
    Binding {
        modes: &[Form],
        keys: &[Char('a')],
        label: "a",
        action: Action::Apply,
        help: "apply the form (live: send the changes)",
        hint: true,
    },
    Binding {
        modes: &[Form, Sessions],
        keys: &[Esc],
        label: "Esc",
        action: Action::Close,
        help: "close without applying",
        hint: true,
    },
    Binding {
        modes: &[Sessions],
        keys: &[Enter],
        label: "Enter",
        action: Action::Apply,
        help: "resume the selected session",
        hint: true,
    },
    Binding {
        modes: &[Sessions],
        keys: &[Char('v')],
        label: "v",
        action: Action::ViewReadOnly,
        help: "open the selected session read-only",
        hint: true,
    },
    Binding {
        modes: &[Sessions],
        keys: &[Char('r')],
        label: "r",
        action: Action::Rename,
        help: "rename the selected session's file",
        hint: true,
    },
    Binding {
        modes: &[Sessions],
        keys: &[Char('d'), Delete],
        label: "d",
        action: Action::Delete,
        help: "delete the selected session (press twice)",
        hint: true,
    },
    Binding {
        modes: &[Sessions],
        keys: &[Char('c')],
        label: "c",
        action: Action::Compare,
        help: "mark the selected session; c on another shows the two side by side",
        hint: true,
    },
    Binding {
        modes: &[Setup, Dashboard, Finished],
        keys: &[Char('g')],
        label: "g",
        action: Action::GroundTruth,
        help: "ground truth: every group set's accuracy under these settings (a map, the true best, strategies compared)",
        hint: true,
    },
    Binding {
        modes: &[Truth],
        keys: &[Enter],
        label: "Enter",
        action: Action::Sweep,
        help: "sweep: train the group sets the table lacks, on the child trainers",
        hint: true,
    },
    Binding {
        modes: &[TruthSweeping],
        keys: &[Enter],
        label: "Enter",
        action: Action::Sweep,
        help: "stop the sweep (its rows stay in the table; Enter again continues it)",
        hint: true,
    },
    Binding {
        modes: &[TruthComplete],
        keys: &[Char('c')],
        label: "c",
        action: Action::Compare,
        help: "compare the search strategies on the table (dqn, random, local, evolution)",
        hint: true,
    },
    Binding {
        modes: &[Truth, TruthSweeping],
        keys: &[Char('c')],
        label: "c",
        action: Action::Compare,
        help: "compare the search strategies (once the table holds every group set)",
        hint: false,
    },
    Binding {
        modes: TRUTH,
        keys: &[Esc, Char('g')],
        label: "Esc",
        action: Action::Close,
        help: "close (a sweep goes on; g shows it again)",
        hint: true,
    },
];

pub fn action_for(mode: Mode, key: &KeyEvent) -> Option<Action> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    BINDINGS
        .iter()
        .find(|b| b.modes.contains(&mode) && b.keys.contains(&key.code))
        .map(|b| b.action)
}

pub fn hints(mode: Mode) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.hint && b.modes.contains(&mode))
        .map(|b| (b.label, short(b.help)))
        .collect()
}

/// The first words of the help text, for the hint bar.
fn short(help: &'static str) -> &'static str {
    help.split([' ', '(', ':']).next().unwrap_or(help)
}

pub fn help_rows(mode: Mode) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .map(|b| (b.label, b.help))
        .collect()
}

pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == Char('c')
}
