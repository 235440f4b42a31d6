#![allow(dead_code)]
//! Helpers shared by the integration tests: tiny settings so every training is quick.

use aen_core::groups::GroupSet;
use aen_engine::settings::Settings;
use aen_engine::sweep::table::Identity;

/// Embedded MNIST, preset 2, tiny splits and one epoch per child.
pub fn tiny_settings() -> Settings {
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s.data.groups = GroupSet::preset(2).unwrap();
    s.child.epochs = 1;
    s.child.train_size = 300;
    s.child.val_size = 200;
    s.child.test_size = 200;
    s.search.episode_len = 10;
    s.search.max_models = 40;
    s.search.q_batch = 16;
    s
}

/// The smallest children that still train: embedded MNIST, 100 / 50 / 50 images, one
/// epoch (for sweeps and searches run through the binary).
pub const TINY_CHILD: &[&str] = &[
    "--source",
    "embedded",
    "--train-size",
    "100",
    "--val-size",
    "50",
    "--test-size",
    "50",
    "--epochs",
    "1",
];

/// The aen binary, sharing one cache of equivalence classes with every other aen this
/// test run starts: computing them takes seconds of a core, and a test that gives aen
/// a fresh HOME would otherwise pay that again. A test about the cache names its own.
pub fn aen() -> std::process::Command {
    // Kept to the end of the run (a static is never dropped): a few kilobytes under
    // target/tmp, which `cargo clean` removes.
    static CACHE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = CACHE.get_or_init(|| {
        let dir = tempfile::TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).expect("a cache");
        // The default grid's classes, found once before any test's aen needs them:
        // tests starting together would each compute them otherwise.
        let warm = std::process::Command::new(aen_bin())
            .args(["orbits", "--classes"])
            .env("AEN_CACHE_DIR", dir.path())
            .output()
            .expect("aen runs");
        assert!(
            warm.status.success(),
            "{}",
            String::from_utf8_lossy(&warm.stderr)
        );
        dir
    });
    let mut c = std::process::Command::new(aen_bin());
    c.env("AEN_CACHE_DIR", dir.path());
    c
}

/// The aen binary with `home` as its data and config folders, without colour.
pub fn aen_command(args: &[&str], home: &std::path::Path) -> std::process::Command {
    let mut c = aen();
    c.args(args)
        .env("XDG_DATA_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("NO_COLOR", "1");
    c
}

/// Runs the aen binary with `home` as its data and config folders, without colour.
pub fn aen_in(args: &[&str], home: &std::path::Path) -> std::process::Output {
    aen_command(args, home).output().unwrap()
}

/// [`aen_in`], run in `home` (relative paths are there).
pub fn aen_at(args: &[&str], home: &std::path::Path) -> std::process::Output {
    aen_command(args, home).current_dir(home).output().unwrap()
}

pub fn aen_bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_aen"))
}

/// Writes a valid four-file MNIST-format data set with `n` training and `m` test images
/// (training files gzipped, test files raw).
pub fn write_set(dir: &std::path::Path, n: usize, m: usize) {
    use aen_core::data::{Images, idx};
    use std::io::Write;
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let images = |k: usize| Images {
        count: k,
        rows: 28,
        cols: 28,
        channels: 1,
        pixels: (0..k * 784).map(|i| (i % 251) as u8).collect(),
    };
    let labels = |k: usize| (0..k).map(|i| (i % 10) as u8).collect::<Vec<u8>>();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("train-images-idx3-ubyte.gz"),
        gz(&idx::encode_images(&images(n))),
    )
    .unwrap();
    std::fs::write(
        dir.join("train-labels-idx1-ubyte.gz"),
        gz(&idx::encode_labels(&labels(n))),
    )
    .unwrap();
    std::fs::write(
        dir.join("t10k-images-idx3-ubyte"),
        idx::encode_images(&images(m)),
    )
    .unwrap();
    std::fs::write(
        dir.join("t10k-labels-idx1-ubyte"),
        idx::encode_labels(&labels(m)),
    )
    .unwrap();
}

/// The identity of a table trained under [`TINY_CHILD`]'s sizes on embedded MNIST
/// with `data` as its G-data, every set its own network.
pub fn tiny_identity(data: GroupSet) -> Identity {
    Identity {
        dataset: "mnist".into(),
        source: "embedded".into(),
        data_groups: data,
        step: 4,
        data_seed: 0,
        epochs: 1,
        train_size: 100,
        val_size: 50,
        test_size: 50,
        batch: 64,
        lr: 1e-3,
        data_sha256: "0".into(),
        normalize: "paper".into(),
        resample: "fixed".into(),
        translation: "paper".into(),
        equivalence: "none".into(),
        per_pass: 1,
        resize: None,
        side: 28,
    }
}
