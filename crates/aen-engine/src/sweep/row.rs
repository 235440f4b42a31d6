//! One row of a sweep table: a state's accuracies under one seed, as a CSV line and
//! back (through the `csv` crate, so any quoting reads), numbers in Rust's shortest
//! round-trip form.

use crate::error::{Result, ResultExt, bail};
use crate::groups::{GroupSet, NUM_GROUPS};

pub const COLUMNS: &str = "state_bits,groups,seed,val_acc,test_acc,params,seconds,class,trained";
/// Version 1 tables, made before classes.
pub const COLUMNS_V1: &str = "state_bits,groups,seed,val_acc,test_acc,params,seconds";

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub state: GroupSet,
    pub seed: u32,
    /// Percent.
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    pub seconds: f64,
    /// The closure of the state (the state itself without classes).
    pub class: GroupSet,
    /// Trained for this row, not taken from its class's row.
    pub trained: bool,
}

impl Row {
    pub fn key(&self) -> (u16, u32) {
        (self.state.bits(), self.seed)
    }

    /// The CSV line of a table of `version`, with its newline. Fields that are not
    /// numbers (the group names) are quoted, as aen always wrote them.
    pub fn to_line(&self, version: u32) -> String {
        let mut fields = vec![
            self.state.bit_string(),
            crate::experiments::set_label(self.state),
            self.seed.to_string(),
            self.val_acc.to_string(),
            self.test_acc.to_string(),
            self.params.to_string(),
            format!("{:.3}", self.seconds),
        ];
        if version >= 2 {
            fields.push(self.class.bit_string());
            fields.push(u8::from(self.trained).to_string());
        }
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::NonNumeric)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Into memory, of text it made itself: neither step can fail.
        let bytes = (w.write_record(&fields).ok())
            .and_then(|()| w.into_inner().ok())
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Parses a row of a table of `version`: one CSV record, any of its fields quoted.
    pub fn parse_line(line: &str, version: u32) -> Result<Row> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line.as_bytes());
        let record = match reader.records().next() {
            Some(r) => r.context("not a CSV record")?,
            None => bail!("an empty line"),
        };
        let f: Vec<&str> = record.iter().collect();
        let (bits, label, seed, val, test, params, secs, class, trained) = match (version, &f[..]) {
            (1, &[s, l, a, b, c, d, e]) => (s, l, a, b, c, d, e, s, "1"),
            (2.., &[s, l, a, b, c, d, e, cl, t]) => (s, l, a, b, c, d, e, cl, t),
            (1, _) => bail!("expected 7 columns ({COLUMNS_V1})"),
            _ => bail!("expected 9 columns ({COLUMNS})"),
        };
        if class.len() != NUM_GROUPS || !class.chars().all(|c| c == '0' || c == '1') {
            bail!("class `{class}` is not 12 bits");
        }
        let trained = match trained {
            "1" => true,
            "0" => false,
            other => bail!("trained `{other}` is not 0 or 1"),
        };
        if bits.len() != NUM_GROUPS || !bits.chars().all(|c| c == '0' || c == '1') {
            bail!("`{bits}` is not 12 bits");
        }
        let state = GroupSet::parse(bits)?;
        if label != crate::experiments::set_label(state) {
            bail!("group names `{label}` do not match the bits {bits}");
        }
        let pct = |name: &str, t: &str| -> Result<f64> {
            let v: f64 = t
                .parse()
                .with_context(|| format!("{name} `{t}` is not a number"))?;
            if !(0.0..=100.0).contains(&v) {
                bail!("{name} {v} is not a percentage");
            }
            Ok(v)
        };
        let seconds: f64 = secs
            .parse()
            .with_context(|| format!("seconds `{secs}` is not a number"))?;
        if !(seconds.is_finite() && seconds >= 0.0) {
            bail!("seconds {seconds} is not a duration");
        }
        Ok(Row {
            state,
            seed: seed
                .parse()
                .with_context(|| format!("seed `{seed}` is not a whole number"))?,
            val_acc: pct("val_acc", val)?,
            test_acc: pct("test_acc", test)?,
            params: params
                .parse()
                .with_context(|| format!("params `{params}` is not a whole number"))?,
            seconds,
            class: GroupSet::parse(class)?,
            trained,
        })
    }
}
