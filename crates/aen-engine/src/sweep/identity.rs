//! What a sweep table's rows depend on ([`Identity`]): the settings a child's result
//! depends on and a fingerprint of the data, recorded in the table's header so that a
//! table made under other settings is refused, naming each difference.

use crate::classes::Classes;
use crate::error::{Result, bail};
use crate::gdata::GData;
use crate::groups::{GroupSet, Shift, Translation};
use crate::settings::{Equivalence, SettingValue, Settings, network_classes};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The settings a child's result depends on, as the table records them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub dataset: String,
    /// The source the data was actually loaded from (never `auto`).
    pub source: String,
    pub data_groups: GroupSet,
    pub step: usize,
    pub data_seed: u64,
    pub epochs: usize,
    pub train_size: usize,
    pub val_size: usize,
    pub test_size: usize,
    pub batch: usize,
    pub lr: f64,
    /// SHA-256 (first 16 hex digits) of the G-data's pixels and labels: catches two
    /// sources that share a name but not their contents.
    pub data_sha256: String,
    /// data.normalize, data.resample and data.translation; tables made before these
    /// settings existed used raw pixels, one draw per image and the paper's shifts.
    #[serde(default = "raw_pixels")]
    pub normalize: String,
    #[serde(default = "fixed_draw")]
    pub resample: String,
    #[serde(default = "paper_shifts")]
    pub translation: String,
    /// search.equivalence; tables made before it trained every state as its own
    /// network.
    /// Left out of the header when "none", so a v1 table continued is rewritten
    /// byte for byte.
    #[serde(default = "no_classes", skip_serializing_if = "is_none")]
    pub equivalence: String,
    /// Children per pass (`Settings::per_pass`): above 1 the batched kernel changes
    /// results at float precision. Tables without it trained one child a pass; left
    /// out when 1 for the same reason as `equivalence`.
    #[serde(default = "one_per_pass", skip_serializing_if = "is_one")]
    pub per_pass: usize,
    /// data.resize; left out when unset, as every table before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize: Option<usize>,
    /// Side of the networks' input, which the classes are found on; left out at
    /// MNIST's 28, the side of every table before other data.
    #[serde(default = "mnist_side", skip_serializing_if = "is_mnist_side")]
    pub side: usize,
}

fn mnist_side() -> usize {
    crate::orbits::INPUT_SIDE
}

fn is_mnist_side(n: &usize) -> bool {
    *n == crate::orbits::INPUT_SIDE
}

fn one_per_pass() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn no_classes() -> String {
    "none".into()
}

fn is_none(e: &str) -> bool {
    e == "none"
}

fn raw_pixels() -> String {
    "none".into()
}

fn fixed_draw() -> String {
    "fixed".into()
}

fn paper_shifts() -> String {
    "paper".into()
}

impl Identity {
    /// Fails, naming each difference, unless a child trained under `s` is the child
    /// this table holds: the settings its accuracy depends on must be the table's.
    pub fn fits(&self, s: &Settings) -> Result<()> {
        let id = self;
        let c = &s.child;
        let pairs = [
            (
                "data.dataset",
                s.data.dataset.name().to_string(),
                id.dataset.clone(),
            ),
            (
                "data.groups",
                s.data.groups.to_string(),
                id.data_groups.to_string(),
            ),
            ("data.step", s.data.step.to_string(), id.step.to_string()),
            (
                "data.seed",
                s.data.seed.to_string(),
                id.data_seed.to_string(),
            ),
            ("child.epochs", c.epochs.to_string(), id.epochs.to_string()),
            (
                "child.train_size",
                c.train_size.to_string(),
                id.train_size.to_string(),
            ),
            (
                "child.val_size",
                c.val_size.to_string(),
                id.val_size.to_string(),
            ),
            (
                "child.test_size",
                c.test_size.to_string(),
                id.test_size.to_string(),
            ),
            ("child.batch", c.batch.to_string(), id.batch.to_string()),
            ("child.lr", c.lr.to_string(), id.lr.to_string()),
            (
                "data.normalize",
                s.data.normalize.show(),
                id.normalize.clone(),
            ),
            ("data.resample", s.data.resample.show(), id.resample.clone()),
            (
                "data.translation",
                s.data.translation.show(),
                id.translation.clone(),
            ),
            // A search that gives every set its own network can read a table made
            // under classes (each set has its row); the other way round, a class would
            // take whichever of its differing rows the search met first.
            (
                "search.equivalence",
                s.search.equivalence.show(),
                match (s.search.equivalence, id.equivalence.as_str()) {
                    (Equivalence::None, "closure") => "none".into(),
                    _ => id.equivalence.clone(),
                },
            ),
            (
                "child.per_pass (children per pass)",
                s.per_pass().to_string(),
                id.per_pass.to_string(),
            ),
            ("data.resize", s.data.resize.show(), id.resize.show()),
        ];
        let diff: Vec<String> = pairs
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(k, a, b)| format!("{k} is {a} here, {b} in the table"))
            .collect();
        if diff.is_empty() {
            Ok(())
        } else {
            bail!("{}", diff.join("; "))
        }
    }

    /// The classes the table's rows share networks by (None: every state its own).
    /// A header with unreadable values is refused when read, so they parse here.
    pub fn classes(&self) -> Option<Arc<Classes>> {
        let translation = Translation::parse(&self.translation).ok()?;
        let equivalence = Equivalence::parse(&self.equivalence).ok()?;
        let grid = crate::classes::Grid {
            side: self.side,
            shift: Shift::new(translation, self.step),
        };
        network_classes(equivalence, grid)
    }

    /// The fields whose values differ, as `key: a vs b`.
    pub fn differences(&self, other: &Identity) -> Vec<String> {
        let (a, b) = (to_map(self), to_map(other));
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let show = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| {
                let (x, y) = (show(&a, k), show(&b, k));
                format!(
                    "{k} {} vs {}",
                    x.unwrap_or("?".into()),
                    y.unwrap_or("?".into())
                )
            })
            .collect()
    }
}

fn to_map(id: &Identity) -> BTreeMap<String, String> {
    let mut map = match serde_json::to_value(id) {
        Ok(serde_json::Value::Object(m)) => {
            m.into_iter().map(|(k, v)| (k, v.to_string())).collect()
        }
        _ => BTreeMap::new(),
    };
    // Left out of the JSON at their old values, but differences all the same.
    map.insert("equivalence".into(), format!("{:?}", id.equivalence));
    map.insert("per_pass".into(), id.per_pass.to_string());
    map
}

/// A fingerprint of the G-data's contents (pixels and labels of all three splits).
pub fn data_fingerprint(gd: &GData) -> String {
    let mut h = Sha256::new();
    for split in [&gd.train, &gd.val, &gd.test] {
        h.update((split.len() as u64).to_le_bytes());
        for v in &split.x {
            h.update(v.to_le_bytes());
        }
        h.update(&split.y);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identity of `settings` with the data actually loaded.
pub fn identity(settings: &Settings, dataset: &str, source: &str, gd: &GData) -> Identity {
    identity_of(settings, dataset, source, data_fingerprint(gd))
}

/// The identity of `settings` on data of fingerprint `data_sha256`.
pub fn identity_of(
    settings: &Settings,
    dataset: &str,
    source: &str,
    data_sha256: String,
) -> Identity {
    let c = &settings.child;
    Identity {
        dataset: dataset.to_string(),
        source: source.to_string(),
        data_groups: settings.data.groups,
        step: settings.data.step,
        data_seed: settings.data.seed,
        epochs: c.epochs,
        train_size: c.train_size,
        val_size: c.val_size,
        test_size: c.test_size,
        batch: c.batch,
        lr: c.lr,
        data_sha256,
        normalize: settings.data.normalize.show(),
        resample: settings.data.resample.show(),
        translation: settings.data.translation.show(),
        equivalence: settings.search.equivalence.show(),
        per_pass: settings.per_pass(),
        resize: settings.data.resize,
        side: settings.input_side(),
    }
}
