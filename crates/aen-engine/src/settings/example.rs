//! `config.example.toml`: the config file with every setting, written from the settings
//! table (its help, allowed values, flag and default).

use super::{SECTIONS, Settings, Spec, TABLE};

/// `config.example.toml`: every setting with its help, allowed values and default.
pub fn example_toml() -> String {
    let defaults = Settings::default();
    let mut out = String::from(
        "# aen configuration. Every key is optional; the value shown is the default.\n\
         # aen reads this file from --config PATH, or else from the user's config dir\n\
         # (on Linux: ~/.config/aen/config.toml). Command-line flags override it.\n\
         # Unknown keys, wrong types and out-of-range values are errors naming the key.\n\
         # Generated from the settings table (crates/aen-engine/src/settings/mod.rs) by\n\
         # `aen config example`; a test keeps it equal.\n",
    );
    for (section, doc) in SECTIONS {
        out.push_str(&format!("\n[{section}]\n"));
        out.push_str(&comment(doc));
        for s in TABLE.iter().filter(|s| s.section == *section) {
            out.push('\n');
            out.push_str(&comment(s.help));
            let mut facts = Vec::new();
            if let Some(a) = s.bounds.describe() {
                facts.push(format!("allowed: {a}"));
            }
            if let Some(f) = s.flag {
                facts.push(format!("flag: --{f}"));
            }
            if s.live {
                facts.push("can change while a search runs".into());
            }
            if !facts.is_empty() {
                out.push_str(&format!("# ({})\n", facts.join("; ")));
            }
            match (s.toml)(&defaults) {
                Some(v) => out.push_str(&format!("{} = {}\n", s.name, toml_inline(&v))),
                None => out.push_str(&format!("# {} = {}\n", s.name, s.hint_example())),
            }
        }
    }
    out
}

impl Spec {
    fn hint_example(&self) -> &'static str {
        match self.hint {
            "PATH" if self.key == "search.table" => "\"/path/to/sweep-table.csv\"",
            "PATH" => "\"/path/to/mnist\"",
            "X" => "0.1",
            "N" => "32",
            _ => "...",
        }
    }
}

fn comment(text: &str) -> String {
    text.lines()
        .map(|l| format!("# {}\n", l.trim()).replace("# \n", "#\n"))
        .collect()
}

fn toml_inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(toml_inline).collect();
            format!("[{}]", parts.join(", "))
        }
        toml::Value::Float(f) => {
            let s = f.to_string();
            if s.contains(['.', 'e', 'E']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        other => other.to_string(),
    }
}
