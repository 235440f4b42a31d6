//! The settings form: one text field per row of the settings table, validated as it
//! is confirmed, with the message shown beside a bad value. The same form serves the
//! set-up screen (every setting of the run) and live tweaks (the settings the table
//! marks live). The form holds no settings of its own: it edits the caller's.

use crate::engine::search::SettingChange;
use crate::engine::settings::{Settings, Spec, StrategyKind, TABLE};

/// The settings on the set-up screen: everything but the data source and groups,
/// which have panes of their own.
pub fn setup_specs() -> Vec<&'static Spec> {
    let data = TABLE.iter().filter(|s| {
        s.section == "data"
            && matches!(
                s.name,
                "step" | "seed" | "normalize" | "resample" | "translation"
            )
    });
    TABLE
        .iter()
        .filter(|s| s.section != "data")
        .chain(data)
        .collect()
}

/// The settings a running search of `strategy` accepts changes of and reads: another
/// strategy's own (epsilon for evolution, say) would change nothing.
/// Search settings first (epsilon is the most tweaked), then the child's.
pub fn live_specs(strategy: StrategyKind) -> Vec<&'static Spec> {
    let live = |section: &'static str| {
        (TABLE.iter()).filter(move |s| s.live && s.section == section && s.applies_to(strategy))
    };
    live("search").chain(live("child")).collect()
}

#[derive(Clone, Debug)]
pub struct Field {
    pub spec: &'static Spec,
    pub text: String,
    pub error: Option<String>,
    pub changed: bool,
}

#[derive(Clone, Debug)]
pub struct Form {
    pub fields: Vec<Field>,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    /// Where typing goes in `editing`, in characters.
    pub cursor: usize,
    /// Editing just began: the first character typed replaces the old value.
    pub fresh: bool,
    pub live: bool,
}

impl Form {
    pub fn new(specs: Vec<&'static Spec>, settings: &Settings, live: bool) -> Form {
        Form {
            fields: specs
                .into_iter()
                .map(|spec| Field {
                    spec,
                    text: spec.get(settings),
                    error: None,
                    changed: false,
                })
                .collect(),
            selected: 0,
            editing: None,
            cursor: 0,
            fresh: false,
            live,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn up(&mut self) {
        if self.editing.is_none() {
            self.selected = self.selected.saturating_sub(1);
        }
    }

    pub fn down(&mut self) {
        if self.editing.is_none() && self.selected + 1 < self.fields.len() {
            self.selected += 1;
        }
    }

    /// Enter: start editing, or confirm the edit into `settings` (validating it).
    pub fn enter(&mut self, settings: &mut Settings) {
        match self.editing.take() {
            None => {
                let text = self.fields[self.selected].text.clone();
                self.cursor = text.chars().count();
                self.editing = Some(text);
                self.fresh = true;
            }
            Some(text) => self.commit(self.selected, text, settings),
        }
    }

    pub fn commit(&mut self, idx: usize, text: String, settings: &mut Settings) {
        let f = &mut self.fields[idx];
        match settings.set(f.spec.key, &text) {
            Ok(()) => {
                f.error = None;
                f.changed = true;
                f.text = f.spec.get(settings);
            }
            Err(e) => {
                f.error = Some(e.to_string());
                f.text = text;
            }
        }
    }

    /// ←/→ on a choice setting, not being edited: its next or previous value, applied
    /// to `settings` at once. False where the field is not a choice.
    pub fn cycle(&mut self, forward: bool, settings: &mut Settings) -> bool {
        let f = &self.fields[self.selected];
        let choices = f.spec.choices;
        if self.editing.is_some() || choices.is_empty() {
            return false;
        }
        let n = choices.len();
        let at = choices.iter().position(|c| *c == f.text).unwrap_or(0);
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.commit(self.selected, choices[next].to_string(), settings);
        true
    }

    /// The selected field back at its default.
    pub fn reset(&mut self, settings: &mut Settings) {
        if self.editing.is_none() {
            let text = self.fields[self.selected].spec.default_text();
            self.commit(self.selected, text, settings);
        }
    }

    /// Whether a field holds other than its default (shown marked).
    pub fn differs_from_default(&self, f: &Field) -> bool {
        f.text != f.spec.default_text()
    }

    /// Shows `settings` again in every field without an error.
    pub fn refresh(&mut self, settings: &Settings) {
        for f in self.fields.iter_mut().filter(|f| f.error.is_none()) {
            f.text = f.spec.get(settings);
        }
    }

    pub fn cancel_edit(&mut self) -> bool {
        self.editing.take().is_some()
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(t) = &mut self.editing {
            if std::mem::take(&mut self.fresh) {
                t.clear();
                self.cursor = 0;
            }
            t.insert(byte_at(t, self.cursor), c);
            self.cursor += 1;
        }
    }

    pub fn backspace(&mut self) {
        self.fresh = false;
        if let Some(t) = &mut self.editing
            && self.cursor > 0
        {
            self.cursor -= 1;
            t.remove(byte_at(t, self.cursor));
        }
    }

    pub fn delete(&mut self) {
        self.fresh = false;
        if let Some(t) = &mut self.editing
            && self.cursor < t.chars().count()
        {
            t.remove(byte_at(t, self.cursor));
        }
    }

    /// Moves the cursor by `by` characters, or to the start (`isize::MIN`) or end
    /// (`isize::MAX`); moving keeps the value, so typing no longer replaces it.
    pub fn move_cursor(&mut self, by: isize) {
        self.fresh = false;
        if let Some(t) = &self.editing {
            let n = t.chars().count();
            self.cursor = self.cursor.saturating_add_signed(by).min(n);
        }
    }

    /// The live changes the form makes (fields confirmed since it opened).
    pub fn changes(&self) -> Vec<SettingChange> {
        self.fields
            .iter()
            .filter(|f| f.changed && f.error.is_none())
            .map(|f| SettingChange::new(f.spec.key, &f.text))
            .collect()
    }
}

/// The byte index of character `chars` in `t` (its end when past it).
fn byte_at(t: &str, chars: usize) -> usize {
    t.char_indices().nth(chars).map_or(t.len(), |(i, _)| i)
}
