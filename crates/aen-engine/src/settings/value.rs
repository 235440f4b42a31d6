//! How each type of setting is read from text, shown as text and checked against its
//! bounds. One implementation per type serves flags, forms, live changes and files.

use crate::data::{DatasetKind, SourceKind};
use crate::gdata::{Normalize, Resample};
use crate::groups::{GroupSet, Translation};
use crate::reward::Reward;
use std::path::PathBuf;

/// The values a setting allows.
#[derive(Clone, Copy, Debug)]
pub enum Bounds {
    /// Whatever parses.
    Any,
    /// A whole number in lo..=hi.
    Int(u64, u64),
    /// A finite number in lo..=hi.
    Float(f64, f64),
    /// A finite number greater than 0 and at most 1 (learning rates).
    OpenUnit,
    /// A data source name (see `SourceKind::parse`).
    Source,
    /// An epsilon schedule: thresholds increasing from 0, epsilons in 0..=1.
    Schedule,
}

impl Bounds {
    /// The allowed values in words, for help texts and errors.
    pub fn describe(&self) -> Option<String> {
        Some(match self {
            Bounds::Any => return None,
            Bounds::Int(lo, hi) => format!("{lo} to {hi}"),
            Bounds::Float(lo, hi) => format!("{lo} to {hi}"),
            Bounds::OpenUnit => "greater than 0, at most 1".into(),
            Bounds::Source => "auto, data-dir, downloaded, system or embedded".into(),
            Bounds::Schedule => "thresholds increasing from 0, each epsilon 0 to 1".into(),
        })
    }

    fn out_of_range(&self) -> String {
        format!(
            "is out of range; allowed: {}",
            self.describe().unwrap_or_default()
        )
    }

    fn check_int(&self, v: u64) -> Result<(), String> {
        match *self {
            Bounds::Int(lo, hi) if v < lo || v > hi => Err(self.out_of_range()),
            _ => Ok(()),
        }
    }

    fn check_float(&self, v: f64) -> Result<(), String> {
        // Written so that NaN fails every comparison and is refused.
        let ok = match *self {
            Bounds::Float(lo, hi) => v >= lo && v <= hi,
            Bounds::OpenUnit => v > 0.0 && v <= 1.0,
            _ => v.is_finite(),
        };
        if ok {
            Ok(())
        } else if !v.is_finite() {
            Err(format!(
                "is not a finite number; allowed: {}",
                self.describe().unwrap_or("finite numbers".into())
            ))
        } else {
            Err(self.out_of_range())
        }
    }
}

/// A type a setting can have.
pub trait SettingValue: Sized {
    /// What a value looks like, for help texts.
    const HINT: &'static str;
    /// Every value, where the setting is a choice of names (empty otherwise): forms
    /// cycle through them.
    const CHOICES: &'static [&'static str] = &[];
    fn parse(text: &str) -> Result<Self, String>;
    fn show(&self) -> String;
    fn check(&self, _bounds: &Bounds) -> Result<(), String> {
        Ok(())
    }
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.trim().parse().map_err(|_| format!("is not {what}"))
}

impl SettingValue for usize {
    const HINT: &'static str = "N";
    fn parse(text: &str) -> Result<Self, String> {
        number(text, "a whole number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        b.check_int(*self as u64)
    }
}

impl SettingValue for u64 {
    const HINT: &'static str = "N";
    fn parse(text: &str) -> Result<Self, String> {
        number(text, "a whole number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        b.check_int(*self)
    }
}

impl SettingValue for f64 {
    const HINT: &'static str = "X";
    fn parse(text: &str) -> Result<Self, String> {
        number(text, "a number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        b.check_float(*self)
    }
}

/// Empty text means unset.
impl SettingValue for Option<f64> {
    const HINT: &'static str = "X";
    fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            f64::parse(text).map(Some)
        }
    }
    fn show(&self) -> String {
        self.map(|v| v.to_string()).unwrap_or_default()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        self.map_or(Ok(()), |v| b.check_float(v))
    }
}

impl SettingValue for Option<usize> {
    const HINT: &'static str = "N";
    fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            usize::parse(text).map(Some)
        }
    }
    fn show(&self) -> String {
        self.map(|v| v.to_string()).unwrap_or_default()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        self.map_or(Ok(()), |v| b.check_int(v as u64))
    }
}

impl SettingValue for Option<PathBuf> {
    // A folder (a data dir) or a file (a sweep table): the example config says which.
    const HINT: &'static str = "PATH";
    fn parse(text: &str) -> Result<Self, String> {
        Ok((!text.is_empty()).then(|| PathBuf::from(text)))
    }
    fn show(&self) -> String {
        self.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
}

impl SettingValue for String {
    const HINT: &'static str = "NAME";
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text.trim().to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
    fn check(&self, b: &Bounds) -> Result<(), String> {
        match b {
            Bounds::Source => SourceKind::parse(self).map(|_| ()).map_err(|_| {
                format!(
                    "is not a source; {}",
                    "choose auto, data-dir, downloaded, system or embedded"
                )
            }),
            _ => Ok(()),
        }
    }
}

impl SettingValue for DatasetKind {
    const HINT: &'static str = "NAME";
    const CHOICES: &'static [&'static str] = &["mnist", "fashion-mnist"];
    fn parse(text: &str) -> Result<Self, String> {
        DatasetKind::parse(text).map_err(|e| format!("is not a data set: {e}"))
    }
    fn show(&self) -> String {
        self.name().to_string()
    }
}

impl SettingValue for GroupSet {
    const HINT: &'static str = "GROUPS";
    fn parse(text: &str) -> Result<Self, String> {
        GroupSet::parse(text).map_err(|e| format!("is not a group set: {e}"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// `0:1.0,200:0.9,...`
impl SettingValue for Vec<(usize, f64)> {
    const HINT: &'static str = "M:EPS,...";
    fn parse(text: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part
                .split_once(':')
                .ok_or_else(|| format!("is not a schedule: `{part}` is not MODELS:EPSILON"))?;
            out.push((number(a, "a whole number")?, number(b, "a number")?));
        }
        Ok(out)
    }
    fn show(&self) -> String {
        self.iter()
            .map(|(t, e)| format!("{t}:{e}"))
            .collect::<Vec<_>>()
            .join(",")
    }
    fn check(&self, _: &Bounds) -> Result<(), String> {
        let Some(first) = self.first() else {
            return Err("is empty: it needs at least one [models, epsilon] pair".into());
        };
        if first.0 != 0 {
            return Err("is invalid: the first pair must start at 0 models".into());
        }
        for w in self.windows(2) {
            if w[1].0 <= w[0].0 {
                return Err(format!(
                    "is invalid: thresholds must increase: {} then {}",
                    w[0].0, w[1].0
                ));
            }
        }
        for &(_, e) in self {
            Bounds::Float(0.0, 1.0)
                .check_float(e)
                .map_err(|m| format!("is invalid: epsilon {e} {m}"))?;
        }
        Ok(())
    }
}

/// A setting that is one of a few names; its serde names are the same words.
macro_rules! named_choice {
    ($ty:ty, $what:literal, [$($v:expr => $name:literal),+ $(,)?]) => {
        impl SettingValue for $ty {
            const HINT: &'static str = "NAME";
            const CHOICES: &'static [&'static str] = &[$($name),+];
            fn parse(text: &str) -> Result<Self, String> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($v),)+
                    _ => Err(format!(
                        concat!("is not ", $what, "; choose {}"),
                        [$($name),+].join(", ")
                    )),
                }
            }
            fn show(&self) -> String {
                match self {
                    $(v if *v == $v => $name.to_string(),)+
                    _ => unreachable!("every variant is listed"),
                }
            }
        }
    };
}

named_choice!(Normalize, "a normalization", [
    Normalize::Paper => "paper",
    Normalize::None => "none",
    Normalize::Dataset => "dataset",
]);
named_choice!(Resample, "a resampling", [
    Resample::Fixed => "fixed",
    Resample::PerEpoch => "per-epoch",
]);
named_choice!(Translation, "a translation", [
    Translation::Paper => "paper",
    Translation::Compatible => "compatible",
]);
named_choice!(Reward, "a reward", [
    Reward::Paper => "paper",
    Reward::Fraction => "fraction",
    Reward::Diff => "diff",
]);
