//! Joining shard tables (`aen sweep merge`) into the table one process would have
//! written, refusing parts of other settings, overlapping parts and missing rows.

use super::table::{self, Header, Row, Shard, Table};
use crate::error::{Error, Result, ResultExt, bail};
use crate::groups::GroupSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Merges shard tables into one whole table at `out`, equal to what one process
/// would have written. Refuses parts of other settings, states or seeds, parts that
/// overlap, are cut short or incomplete, and a space they do not cover.
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<Table> {
    if parts.is_empty() {
        bail!("no part tables to merge");
    }
    let inputs: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    crate::fsio::refuse_overlap(&inputs, &[out.to_path_buf()]).map_err(Error::msg)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let _lock = crate::fsio::Lock::take(out)?;
    let mut read = Vec::new();
    for p in parts {
        let r = table::read(p)?;
        if let Some((line, _)) = r.truncated {
            bail!(
                "{}: line {line} is cut short; that part did not finish (rerun its `aen sweep --shard`)",
                p.display()
            );
        }
        read.push((p, r.table));
    }
    let shard_of = check_parts(&read)?;
    let t0 = &read[0].1;
    let header = Header {
        shard: None,
        ..t0.header.clone()
    };
    let mut owner: BTreeMap<(u16, u32), &PathBuf> = BTreeMap::new();
    let mut rows = Vec::new();
    for (p, t) in &read {
        for r in &t.rows {
            if let Some(prev) = owner.insert(r.key(), p) {
                bail!(
                    "{} and {} both hold {} ({}) seed {}: the parts overlap",
                    prev.display(),
                    p.display(),
                    r.state.bit_string(),
                    crate::experiments::set_label(r.state),
                    r.seed
                );
            }
            rows.push(r.clone());
        }
    }
    let missing: Vec<(GroupSet, u32)> = header
        .expected()
        .into_iter()
        .filter(|(s, k)| !owner.contains_key(&(s.bits(), *k)))
        .collect();
    if !missing.is_empty() {
        return Err(missing_error(&missing, &header, &read, &shard_of));
    }
    crate::fsio::write_atomic(out, table::render(&header, &rows).as_bytes())?;
    rows.sort_by_key(Row::key);
    Ok(Table { header, rows })
}

type Parts<'a> = [(&'a PathBuf, Table)];

/// The parts agree on settings, states and seeds, and no shard comes twice; returns
/// the part of each shard.
fn check_parts<'a>(read: &'a Parts<'a>) -> Result<BTreeMap<Shard, &'a PathBuf>> {
    let (p0, t0) = &read[0];
    for (p, t) in &read[1..] {
        let d = t0.header.settings.differences(&t.header.settings);
        if !d.is_empty() {
            bail!(
                "{} and {} were made with different settings: {}",
                p0.display(),
                p.display(),
                d.join(", ")
            );
        }
        if t.header.seeds != t0.header.seeds || t.header.states != t0.header.states {
            bail!(
                "{} sweeps {} states x {} seeds but {} sweeps {} x {}",
                p0.display(),
                t0.header.states.len(),
                t0.header.seeds,
                p.display(),
                t.header.states.len(),
                t.header.seeds
            );
        }
    }
    let mut shard_of: BTreeMap<Shard, &PathBuf> = BTreeMap::new();
    for (p, t) in read {
        if let Some(s) = t.header.shard
            && let Some(prev) = shard_of.insert(s, p)
        {
            bail!(
                "{} and {} are both shard {s}: the parts overlap",
                prev.display(),
                p.display()
            );
        }
    }
    Ok(shard_of)
}

/// Which rows the parts miss, and why (absent shards, unfinished parts).
fn missing_error(
    missing: &[(GroupSet, u32)],
    header: &Header,
    read: &Parts,
    shard_of: &BTreeMap<Shard, &PathBuf>,
) -> Error {
    let shown: Vec<String> = missing
        .iter()
        .take(8)
        .map(|(s, k)| format!("{} seed {k}", s.bit_string()))
        .collect();
    let mut why = Vec::new();
    if let Some(count) = read
        .iter()
        .find_map(|(_, t)| t.header.shard.map(|s| s.count))
    {
        let absent: Vec<String> = (0..count)
            .filter(|i| !shard_of.contains_key(&Shard { index: *i, count }))
            .map(|i| format!("{i}/{count}"))
            .collect();
        if !absent.is_empty() {
            why.push(format!("no part given for shard {}", absent.join(", ")));
        }
    }
    for (p, t) in read {
        let want = t.header.expected().len();
        if t.rows.len() < want {
            why.push(format!(
                "{} has {} of its {want} rows (unfinished: rerun it)",
                p.display(),
                t.rows.len()
            ));
        }
    }
    Error::msg(format!(
        "the parts miss {} of {} rows: {}{}{}",
        missing.len(),
        header.expected().len(),
        shown.join(", "),
        if missing.len() > shown.len() {
            ", ..."
        } else {
            ""
        },
        if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join("; "))
        }
    ))
}
