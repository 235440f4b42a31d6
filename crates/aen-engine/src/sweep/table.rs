//! The sweep table: a CSV file, one row per (state, seed), under a header that names
//! everything the rows depend on, so that tables from other settings are refused.
//!
//! ```text
//! # aen-sweep v2 {"settings":{...},"seeds":2,"state_count":4096,"states":"ffff...","shard":null}
//! state_bits,groups,seed,val_acc,test_acc,params,seconds,class,trained
//! 000000000000,"plain",0,61.5,60.8,478410,0.731,000000000000,1
//! ```
//!
//! `class` is the closure of the row's state (docs/method.md §11) and `trained` says
//! whether the row's network was trained for it (1) or is its class's, trained for the
//! class's first state in the table (0, with 0 seconds). Under `search.equivalence =
//! none` every state is its own class. Version 1 tables (made before classes: no
//! `class` and `trained` columns, every row trained) are read and continued as v1.
//!
//! A finished table is sorted by (state, seed), a state ordered by the number its bits
//! make with rot90 as bit 0 (the rightmost digit of that number, though the leftmost
//! character of the bit string): plain, rot90, hflip, rot90+hflip, vflip, ...
//!
//! Accuracies are written in Rust's shortest round-trip form, so a table read back
//! gives the very numbers that were trained; only `seconds` differs between runs.

pub use super::identity::{Identity, data_fingerprint, identity, identity_of};
use crate::error::{Error, Result, ResultExt, bail};
use crate::groups::{GroupSet, Translation};
use crate::settings::{Equivalence, SettingValue, network_of};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Seeds per state a table may hold: the rows a table expects are listed before any
/// is read, so a header's count must be bounded (4,096 x 1,000 is 4 million rows).
pub const MAX_SEEDS: u32 = 1000;

/// Larger files are refused before they are read (4,096 states x 2 seeds is 0.5 MB).
pub const MAX_BYTES: u64 = 256 << 20;
pub const MAGIC: &str = "# aen-sweep v2 ";
const MAGIC_V1: &str = "# aen-sweep v1 ";
pub use super::row::{COLUMNS, COLUMNS_V1, Row};
pub use super::states::{SPACE, Shard, StateSet};

/// The first line of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub settings: Identity,
    /// Seed indices 0..seeds are trained per state.
    pub seeds: u32,
    pub states: StateSet,
    /// None for a whole table (one process, or merged).
    pub shard: Option<Shard>,
    /// 2, or 1 for a table made before classes (its rows have no class columns).
    pub version: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    settings: Identity,
    seeds: u32,
    state_count: usize,
    states: String,
    shard: Option<Shard>,
}

impl Header {
    pub fn to_line(&self) -> String {
        let j = HeaderJson {
            settings: self.settings.clone(),
            seeds: self.seeds,
            state_count: self.states.len(),
            states: self.states.to_hex(),
            shard: self.shard,
        };
        let magic = if self.version == 1 { MAGIC_V1 } else { MAGIC };
        format!(
            "{magic}{}",
            serde_json::to_string(&j).expect("a header serialises")
        )
    }

    /// The column line of this version.
    pub fn columns(&self) -> &'static str {
        if self.version == 1 {
            COLUMNS_V1
        } else {
            COLUMNS
        }
    }

    pub fn parse_line(line: &str) -> Result<Header> {
        let (version, json) = if let Some(j) = line.strip_prefix(MAGIC) {
            (2, j)
        } else if let Some(j) = line.strip_prefix(MAGIC_V1) {
            (1, j)
        } else {
            if let Some(rest) = line.strip_prefix("# aen-sweep ") {
                bail!(
                    "a sweep table of another format (`{}`); this aen reads v1 and v2",
                    rest.split(' ').next().unwrap_or("")
                );
            }
            bail!("not an aen sweep table: the first line should start with `{MAGIC}`");
        };
        let j: HeaderJson =
            serde_json::from_str(json).context("the header line is not valid sweep JSON")?;
        if version == 1 && j.settings.equivalence != "none" {
            bail!("a v1 table predates classes, so its equivalence must be none");
        }
        if Translation::parse(&j.settings.translation).is_err()
            || Equivalence::parse(&j.settings.equivalence).is_err()
        {
            bail!(
                "the header's translation `{}` or equivalence `{}` is not one aen knows",
                j.settings.translation,
                j.settings.equivalence
            );
        }
        check_identity(&j.settings)?;
        let states = StateSet::from_hex(&j.states)
            .context("the header's `states` is not a 1,024-digit hex set")?;
        if states.len() != j.state_count {
            bail!(
                "the header says {} states but its set holds {}",
                j.state_count,
                states.len()
            );
        }
        if !(1..=MAX_SEEDS).contains(&j.seeds) {
            bail!(
                "the header says {} seeds (a table holds 1 to {MAX_SEEDS})",
                j.seeds
            );
        }
        if let Some(s) = j.shard
            && (s.count == 0 || s.index >= s.count || s.count > SPACE)
        {
            bail!("the header's shard {}/{} is invalid", s.index, s.count);
        }
        Ok(Header {
            settings: j.settings,
            seeds: j.seeds,
            states,
            shard: j.shard,
            version,
        })
    }

    /// The rows this table must hold, in table order. A shard holds whole classes: the
    /// classes of the swept states, ordered by their first state, are dealt out by
    /// position, so no network is trained by two shards. Without classes that is every
    /// N-th state.
    pub fn expected(&self) -> Vec<(GroupSet, u32)> {
        let classes = self.settings.classes();
        let mut position: HashMap<GroupSet, usize> = HashMap::new();
        self.states
            .states()
            .into_iter()
            .filter(|&st| {
                let net = network_of(classes.as_deref(), st);
                let next = position.len();
                let pos = *position.entry(net).or_insert(next);
                self.shard.is_none_or(|s| s.owns(pos))
            })
            .flat_map(|st| (0..self.seeds).map(move |k| (st, k)))
            .collect()
    }

    /// For each swept state, the state whose row holds its class's training: the
    /// class's first state among the swept ones.
    pub fn trained_for(&self) -> HashMap<GroupSet, GroupSet> {
        let classes = self.settings.classes();
        let mut first: HashMap<GroupSet, GroupSet> = HashMap::new();
        self.states
            .states()
            .into_iter()
            .map(|st| {
                let net = network_of(classes.as_deref(), st);
                (st, *first.entry(net).or_insert(st))
            })
            .collect()
    }

    /// Why `self` (of a table on disk) cannot take the rows of `want`, if it cannot.
    pub fn mismatch(&self, want: &Header) -> Option<String> {
        let d = self.settings.differences(&want.settings);
        if !d.is_empty() {
            return Some(format!(
                "it was made with other settings ({}; table vs now)",
                d.join(", ")
            ));
        }
        if self.version != want.version {
            return Some(format!(
                "it is a v{} table, this sweep writes v{}",
                self.version, want.version
            ));
        }
        if self.seeds != want.seeds || self.states != want.states {
            return Some(format!(
                "it sweeps {} states x {} seeds, not {} x {}",
                self.states.len(),
                self.seeds,
                want.states.len(),
                want.seeds
            ));
        }
        if self.shard != want.shard {
            let show =
                |s: Option<Shard>| s.map_or("the whole space".into(), |s| format!("shard {s}"));
            return Some(format!(
                "it holds {}, not {}",
                show(self.shard),
                show(want.shard)
            ));
        }
        None
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub header: Header,
    /// In file order.
    pub rows: Vec<Row>,
}

/// A table as read, with what had to be left out.
#[derive(Debug)]
pub struct Read {
    pub table: Table,
    /// A last line without its newline (a row cut short by a kill): its 1-based line
    /// number and text. It is not in `table.rows`.
    pub truncated: Option<(usize, String)>,
    /// Bytes up to the end of the last complete line.
    pub complete_len: u64,
}

/// Values no run can have made: a header holding one was edited or broken.
fn check_identity(id: &Identity) -> Result<()> {
    let bad = |what: String| bail!("the header's {what} is impossible for a table aen made");
    if !(1..=28).contains(&id.step) {
        return bad(format!("step {}", id.step));
    }
    if id.epochs == 0 || id.batch == 0 {
        return bad(format!("epochs {} or batch {}", id.epochs, id.batch));
    }
    if id.train_size == 0 || id.val_size == 0 || id.test_size == 0 {
        return bad(format!(
            "split {} / {} / {}",
            id.train_size, id.val_size, id.test_size
        ));
    }
    if !(id.lr.is_finite() && id.lr > 0.0) {
        return bad(format!("learning rate {}", id.lr));
    }
    if id.data_sha256.len() > 64 || !id.data_sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return bad(format!(
            "data_sha256 `{}`",
            id.data_sha256.chars().take(20).collect::<String>()
        ));
    }
    if id.per_pass == 0 {
        return bad("per_pass 0".into());
    }
    Ok(())
}

/// The most parameters a child has: the dense one's, which no group reduces further.
fn dense_params() -> usize {
    crate::orbits::ChildOrbits::new(GroupSet::EMPTY, crate::groups::Shift::Step(1))
        .map_or(usize::MAX, |o| o.params())
}

/// Parses a table, checking every row against the header: 12 bits matching the names,
/// state in the swept set and in the shard, seed in range, no row twice. A UTF-8 byte
/// order mark and CRLF line ends (a table saved by a spreadsheet or on Windows) are
/// read as the plain text they stand for.
pub fn parse(text: &str) -> Result<Read> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let read = parse_text(&text[bom..])?;
    Ok(Read {
        complete_len: read.complete_len + bom as u64,
        ..read
    })
}

fn parse_text(text: &str) -> Result<Read> {
    let first_end = text.find('\n').context("no complete header line")?;
    let header = Header::parse_line(text[..first_end].trim_end_matches('\r')).context("line 1")?;
    let dense = dense_params();
    let rest = &text[first_end + 1..];
    let columns_end = rest
        .find('\n')
        .context("the file ends before its column names (line 2)")?;
    let columns = header.columns();
    // The names as fields, so a quoted header line (every field quoted) reads too.
    let names: Vec<String> = (csv::ReaderBuilder::new().has_headers(false))
        .from_reader(rest[..columns_end].trim_end_matches('\r').as_bytes())
        .records()
        .next()
        .and_then(|r| r.ok())
        .map_or_else(Vec::new, |r| r.iter().map(str::to_string).collect());
    if names.join(",") != columns {
        bail!("line 2 should be the column names `{columns}`");
    }
    let mut offset = first_end + 1 + columns_end + 1;
    let expected: HashSet<(u16, u32)> = header
        .expected()
        .into_iter()
        .map(|(s, k)| (s.bits(), k))
        .collect();
    let classes = header.settings.classes();
    let mut seen = HashMap::new();
    let mut rows = Vec::new();
    let mut truncated = None;
    for (i, line) in text[offset..].split_inclusive('\n').enumerate() {
        let n = i + 3;
        let Some(line) = line.strip_suffix('\n') else {
            truncated = Some((n, line.to_string()));
            break;
        };
        offset += line.len() + 1;
        let row = Row::parse_line(line.trim_end_matches('\r'), header.version)
            .with_context(|| format!("line {n}"))?;
        if row.params == 0 || row.params > dense {
            bail!(
                "line {n}: {} parameters is impossible (a child has 1 to {dense})",
                row.params
            );
        }
        if row.class != network_of(classes.as_deref(), row.state) {
            bail!(
                "line {n}: class {} is not the closure of {} under this table's settings",
                row.class.bit_string(),
                row.state.bit_string()
            );
        }
        if !expected.contains(&row.key()) {
            bail!(
                "line {n}: {} seed {} is not in this table's sweep{}",
                row.state.bit_string(),
                row.seed,
                header
                    .shard
                    .map_or(String::new(), |s| format!(" (shard {s})"))
            );
        }
        if let Some(prev) = seen.insert(row.key(), n) {
            bail!(
                "line {n}: {} seed {} is already on line {prev}",
                row.state.bit_string(),
                row.seed
            );
        }
        rows.push(row);
    }
    check_classes(&header, &rows)?;
    Ok(Read {
        table: Table { header, rows },
        truncated,
        complete_len: offset as u64,
    })
}

/// The rows of one class and seed are one network's: the same accuracies and
/// parameters; and `trained` marks exactly the row of the class's first swept state.
/// A table edited by hand so that these disagree is refused, naming the rows, rather
/// than read three ways by three commands.
fn check_classes(header: &Header, rows: &[Row]) -> Result<()> {
    if header.version < 2 {
        return Ok(());
    }
    let first = header.trained_for();
    let mut seen: HashMap<(GroupSet, u32), &Row> = HashMap::new();
    for r in rows {
        let should = first.get(&r.state) == Some(&r.state);
        if r.trained != should {
            bail!(
                "{} seed {}: trained is {} but the row of its class's first set ({}) is the trained one",
                r.state.bit_string(),
                r.seed,
                u8::from(r.trained),
                first.get(&r.state).map_or("?".into(), |f| f.bit_string())
            );
        }
        let other = *seen.entry((r.class, r.seed)).or_insert(r);
        if (other.val_acc, other.test_acc, other.params) != (r.val_acc, r.test_acc, r.params) {
            bail!(
                "{} and {} seed {} are one network (class {}) but their rows differ",
                other.state.bit_string(),
                r.state.bit_string(),
                r.seed,
                r.class.bit_string()
            );
        }
    }
    Ok(())
}

/// Reads and parses `path`, naming it in errors.
pub fn read(path: &Path) -> Result<Read> {
    let bytes = crate::fsio::read_capped(path, MAX_BYTES, "sweep table")?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::msg(format!(
            "{}: not an aen sweep table (not UTF-8 text)",
            path.display()
        ))
    })?;
    parse(&text).with_context(|| format!("{}: bad sweep table", path.display()))
}

/// Only a table's header (its first line, at most 64 KiB): what it was made under,
/// without reading its rows.
pub fn read_header(path: &Path) -> Result<Header> {
    use std::io::Read as _;
    let file = crate::fsio::open_regular(path, "sweep table")?;
    let mut head = Vec::new();
    (file.take(64 << 10).read_to_end(&mut head))
        .with_context(|| format!("reading {}", path.display()))?;
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&head);
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = std::str::from_utf8(line)
        .map_err(|_| Error::msg(format!("{}: not an aen sweep table", path.display())))?;
    Header::parse_line(line.trim_end_matches('\r'))
        .with_context(|| format!("{}: bad sweep table", path.display()))
}

/// The whole table as text, rows sorted by (state, seed).
pub fn render(header: &Header, rows: &[Row]) -> String {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| r.key());
    let mut s = format!("{}\n{}\n", header.to_line(), header.columns());
    for r in sorted {
        s.push_str(&r.to_line(header.version));
    }
    s
}
