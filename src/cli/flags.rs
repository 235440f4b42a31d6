//! Command-line flags made from the settings table: every setting with a flag becomes
//! `--flag VALUE` on the subcommands that use its section, with the table's help text.

use crate::engine::settings::{Affects, ConfigError, Settings, Spec, TABLE};
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

pub const DATA: u8 = 1;
pub const CHILD: u8 = 2;
pub const SEARCH: u8 = 4;
pub const FINAL: u8 = 8;

fn section_bit(section: &str) -> u8 {
    match section {
        "data" => DATA,
        "child" => CHILD,
        "search" => SEARCH,
        "final_eval" => FINAL,
        _ => 0,
    }
}

/// The flags of the sections in `MASK` (a sum of [`DATA`], [`CHILD`], [`SEARCH`],
/// [`FINAL`]) and the values given, in command-line order.
#[derive(Clone, Debug, Default)]
pub struct SettingFlags<const MASK: u8> {
    given: Vec<(&'static Spec, String)>,
}

/// The commands a setting's flag belongs to: its section's, and for a search setting
/// that changes a child's result (`search.equivalence` decides the network and seed
/// each state trains), every command that trains children.
fn spec_bits(s: &Spec) -> u8 {
    match (s.section, s.affects) {
        ("search", Affects::Child) => SEARCH | CHILD | FINAL,
        _ => section_bit(s.section),
    }
}

fn specs(mask: u8) -> impl Iterator<Item = (&'static Spec, &'static str)> {
    TABLE
        .iter()
        .filter(move |s| spec_bits(s) & mask != 0)
        .filter_map(|s| s.flag.map(|f| (s, f)))
}

impl<const MASK: u8> SettingFlags<MASK> {
    /// Applies the flags to `s` (which holds defaults and the config file) and checks
    /// the result; an error names the flag, and is a usage error (exit 2).
    pub fn apply(&self, s: &mut Settings) -> anyhow::Result<()> {
        let set = |s: &mut Settings| -> Result<(), ConfigError> {
            for (spec, text) in &self.given {
                spec.set(s, text)?;
            }
            s.validate()
        };
        set(s).map_err(super::output::usage)
    }

    /// The flags given, as `(settings key, value)`.
    pub fn given(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.given.iter().map(|(s, v)| (s.key, v.as_str()))
    }
}

impl<const MASK: u8> Args for SettingFlags<MASK> {
    fn augment_args(cmd: Command) -> Command {
        specs(MASK).fold(cmd, |cmd, (spec, flag)| {
            let first = spec.help.lines().next().unwrap_or_default();
            let mut help = format!("{first} [{}", spec.key);
            if let Some(a) = spec.bounds.describe() {
                help.push_str(&format!("; {a}"));
            }
            let d = spec.default_text();
            if !d.is_empty() {
                help.push_str(&format!("; default {d}"));
            }
            help.push(']');
            cmd.arg(
                Arg::new(spec.key)
                    .long(flag)
                    .value_name(spec.hint)
                    .value_parser(clap::value_parser!(std::ffi::OsString))
                    // `--lr -1` is a value out of range, not an unknown flag.
                    .allow_negative_numbers(true)
                    .help(help)
                    .long_help(spec.help.replace('\n', " "))
                    .help_heading("Settings (override the config file)"),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl<const MASK: u8> FromArgMatches for SettingFlags<MASK> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut f = SettingFlags::default();
        f.update_from_arg_matches(m)?;
        Ok(f)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        let mut given: Vec<(usize, &'static Spec, String)> = Vec::new();
        for (spec, flag) in specs(MASK) {
            let Some(v) = m.get_one::<std::ffi::OsString>(spec.key) else {
                continue;
            };
            // Settings hold text: a path that is not UTF-8 is named, not garbled.
            let v = v.clone().into_string().map_err(|v| {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidUtf8,
                    format!(
                        "--{flag} {}: not valid UTF-8; aen's settings hold UTF-8 text (rename it, or give a link with a UTF-8 name)\n",
                        std::path::Path::new(&v).display()
                    ),
                )
            })?;
            let at = m.index_of(spec.key).unwrap_or(0);
            given.push((at, spec, v));
        }
        given.sort_by_key(|(at, ..)| *at);
        self.given = given.into_iter().map(|(_, s, v)| (s, v)).collect();
        Ok(())
    }
}
