//! Property tests for every parser of user input: on any input, an error or a valid
//! value, never a panic, and memory in proportion to the input, never to what a
//! header claims. The IDX reader (raw and gzip, random and mutated bytes), the group
//! set parser, the TOML config and session snapshots.
//!
//! `examples/fuzz.rs` runs the same targets for millions of executions.
//!
//! Seeds: under CI (`CI` set) every property runs from the fixed seed of
//! `AEN_PROPTEST_SEED` (default 1), so a red run can be rerun as it was; elsewhere from a
//! fresh seed each run. A failing case is kept in `tests/fuzz_props.proptest-regressions`
//! (proptest's default persistence) and tried first on every later run.

use crate::peak_alloc;

use aen_core::data::{Images, idx};
use aen_core::groups::GroupSet;
use aen_engine::settings::Settings;
use peak_alloc::peak_during;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use std::io::Write;
use std::path::Path;

const MIB: usize = 1 << 20;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn valid_images(count: usize, side: usize) -> Vec<u8> {
    idx::encode_images(&Images {
        count,
        rows: side,
        cols: side,
        channels: 1,
        pixels: (0..count * side * side)
            .map(|i| (i * 13 % 256) as u8)
            .collect(),
    })
}

fn valid_labels(count: usize) -> Vec<u8> {
    idx::encode_labels(&(0..count).map(|i| (i % 10) as u8).collect::<Vec<_>>())
}

/// Reads `bytes` as an image file, then as a label file; checks whatever comes back
/// is consistent, and returns the most memory either held.
fn read_both(name: &str, bytes: &[u8]) -> usize {
    let p = Path::new(name);
    let (imgs, a) = peak_during(|| idx::images_from(p, bytes, None));
    if let Ok(i) = imgs {
        assert_eq!(i.pixels.len(), i.count * i.rows * i.cols);
        assert!(i.rows > 0 && i.cols > 0);
    }
    let (labs, b) = peak_during(|| idx::labels_from(p, bytes));
    if let Ok(l) = labs {
        assert!(l.iter().all(|&x| x <= 9));
    }
    a.max(b)
}

/// Edits applied to a valid file: overwrite a byte, insert bytes, cut the end.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Edit::Set(i, v)),
            (any::<usize>(), prop::collection::vec(any::<u8>(), 1..32))
                .prop_map(|(i, v)| Edit::Insert(i, v)),
            any::<usize>().prop_map(Edit::Truncate),
        ],
        1..6,
    )
}

fn apply(mut b: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = b.len();
        match e {
            Edit::Set(i, v) if len > 0 => b[i % len] = *v,
            Edit::Insert(i, v) => {
                let at = i % (len + 1);
                b.splice(at..at, v.iter().copied());
            }
            Edit::Truncate(n) => b.truncate(n % (len + 1)),
            _ => {}
        }
    }
    b
}

/// `cases` cases, from a fixed seed under CI (see the module's header).
fn config(cases: u32) -> ProptestConfig {
    let rng_seed = match std::env::var_os("CI") {
        Some(_) => RngSeed::Fixed(
            std::env::var("AEN_PROPTEST_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1),
        ),
        None => RngSeed::Random,
    };
    ProptestConfig {
        cases,
        rng_seed,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn idx_random_bytes_raw_or_named_gz(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let peak = read_both("random.idx", &bytes).max(read_both("random.gz", &bytes));
        prop_assert!(peak <= 2 * bytes.len() + MIB, "held {} for {} bytes", peak, bytes.len());
    }

    #[test]
    fn idx_mutated_raw_files(which in 0..3usize, edits in edits()) {
        let seed = [valid_images(3, 28), valid_images(4, 3), valid_labels(20)][which].clone();
        let bytes = apply(seed, &edits);
        let peak = read_both("mutated.idx", &bytes);
        prop_assert!(peak <= 2 * bytes.len() + MIB, "held {} for {} bytes", peak, bytes.len());
    }

    #[test]
    fn idx_mutated_gzip_files(which in 0..3usize, edits in edits()) {
        let seed = [
            gz(&valid_images(3, 28)),
            gz(&valid_labels(20)),
            [gz(&valid_images(2, 28)[..700]), gz(&valid_images(2, 28)[700..])].concat(),
        ][which].clone();
        let bytes = apply(seed, &edits);
        // Whatever the header claims, no more than the deflate data can expand to
        // (at most 1032:1) is held.
        let peak = read_both("mutated.gz", &bytes);
        prop_assert!(peak <= 1032 * bytes.len() + 2 * MIB, "held {} for {} bytes", peak, bytes.len());
    }

    #[test]
    fn idx_headers_are_accepted_exactly_when_they_match_the_data(
        count in prop_oneof![0..8u32, any::<u32>()],
        rows in prop_oneof![0..40u32, any::<u32>()],
        cols in prop_oneof![0..40u32, any::<u32>()],
        payload in 0..3000usize,
        zipped in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        for v in [0x0803u32, count, rows, cols] {
            bytes.extend_from_slice(&v.to_be_bytes());
        }
        bytes.extend((0..payload).map(|i| i as u8));
        let (name, stored) = if zipped { ("h.gz", gz(&bytes)) } else { ("h.idx", bytes) };
        let (r, peak) = peak_during(|| idx::images_from(Path::new(name), &stored[..], None));
        let fits = (1..=4096).contains(&rows)
            && (1..=4096).contains(&cols)
            && (count as u64) * (rows as u64) * (cols as u64) == payload as u64;
        prop_assert_eq!(r.is_ok(), fits, "{:?}", r.err().map(|e| e.to_string()));
        prop_assert!(peak <= 2 * payload + MIB, "held {} for a {} byte payload", peak, payload);
        let want = idx::images_from(Path::new(name), &stored[..], Some((28, 28)));
        prop_assert_eq!(want.is_ok(), fits && rows == 28 && cols == 28);
    }

    #[test]
    fn group_sets_parse_to_an_error_or_a_set_that_round_trips(
        text in prop_oneof![
            "\\PC{0,40}",
            "[ ,+]{0,3}((rot90|hflip|vflip|htrans|vtrans|sc[0-9]|none|all|preset:[0-9]|[01]{12})[ ,+]{0,3}){0,4}",
        ]
    ) {
        if let Ok(g) = GroupSet::parse(&text) {
            prop_assert_eq!(GroupSet::parse(&g.to_string()).unwrap(), g);
            prop_assert_eq!(GroupSet::parse(&g.bit_string()).unwrap(), g);
        } else {
            prop_assert!(!GroupSet::parse(&text).unwrap_err().to_string().is_empty());
        }
    }
}

fn example_config() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap()
}

/// A TOML value of any type, including the awkward ones.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-0.0".to_string()),
        Just("18446744073709551616".to_string()),
        "\"[a-z0-9:,+ ]{0,20}\"",
        Just("[]".to_string()),
        Just("[[1, 0.5], [0, 2.0]]".to_string()),
        Just("{}".to_string()),
        Just("true".to_string()),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn config_with_any_value_for_any_key_is_an_error_or_valid(
        line in any::<prop::sample::Index>(),
        value in toml_value(),
    ) {
        let text = example_config();
        let lines: Vec<&str> = text.lines().collect();
        let keyed: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].starts_with('#') && lines[i].contains(" = "))
            .collect();
        let i = keyed[line.index(keyed.len())];
        let key = lines[i].split(" = ").next().unwrap();
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        out[i] = format!("{key} = {value}");
        if let Ok(s) = Settings::from_toml(&out.join("\n"), Path::new("p.toml")) {
            prop_assert!(s.validate().is_ok());
        }
    }

    #[test]
    fn config_mutated_bytes_never_panic(edits in edits()) {
        let bytes = apply(example_config().into_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = Settings::from_toml(&text, Path::new("p.toml")) {
            prop_assert!(s.validate().is_ok());
        }
    }
}

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/session.json"
    ))
    .unwrap()
}

/// JSON pointers of every value in `v`.
fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        serde_json::Value::Object(m) => {
            for (k, c) in m {
                pointers(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        serde_json::Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(Value::from),
        "[a-z0-9:, ]{0,16}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!([])),
        Just(json!({})),
        Just(json!(true)),
        Just(json!(-1)),
        Just(json!(1e300)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn snapshots_with_any_field_replaced_load_or_fail_cleanly(
        picks in prop::collection::vec((any::<prop::sample::Index>(), json_value()), 1..4),
    ) {
        let mut v: serde_json::Value = serde_json::from_slice(&fixture()).unwrap();
        for (pick, value) in picks {
            let mut all = Vec::new();
            pointers(&v, String::new(), &mut all);
            let p = &all[pick.index(all.len())];
            if p.is_empty() {
                v = value;
            } else if let Some(slot) = v.pointer_mut(p) {
                *slot = value;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let _ = aen_engine::snapshot::load(&path);
    }

    #[test]
    fn snapshots_with_mutated_bytes_load_or_fail_cleanly(edits in edits()) {
        let bytes = apply(fixture(), &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, &bytes).unwrap();
        let _ = aen_engine::snapshot::load(&path);
    }
}
