//! `aen data export`: the manifest alone, with the base data, rebuilds every exported
//! byte; the export reads back as a data set.

use crate::common;

use aen_core::data::{self, DatasetKind, SourceKind, idx};
use aen_core::groups::{Group, GroupSet, Translation};
use aen_engine::gexport::{self, Manifest};
use common::tiny_settings;

fn settings(translation: Translation) -> aen_engine::settings::Settings {
    let mut s = tiny_settings();
    s.data.groups = GroupSet::parse("rot90,htrans,sc4").unwrap();
    s.data.translation = translation;
    s.data.seed = 3;
    s
}

fn rederive(dir: &std::path::Path, m: &Manifest) {
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap();
    let read = |stem: &str| {
        idx::read_pair(
            &dir.join(format!("{stem}-images-idx3-ubyte")),
            &dir.join(format!("{stem}-labels-idx1-ubyte")),
            Some((28, 28)),
        )
        .unwrap()
    };
    let (train, t10k) = (read("train"), read("t10k"));
    let gens: Vec<_> = (m.power_order.iter())
        .map(|n| {
            Group::from_name(n)
                .unwrap()
                .generator(m.side, m.image_step)
                .unwrap()
        })
        .collect();
    assert_eq!(m.splits.iter().map(|s| s.count).sum::<usize>(), 700);
    for sp in &m.splits {
        assert_eq!(sp.base_file, "train", "the embedded pool is one file");
        let (imgs, labels) = if sp.file == "train" { &train } else { &t10k };
        for i in 0..sp.count {
            let b = sp.base_index[i];
            let mut img = base.train.images.image(b).to_vec();
            for (g, &k) in gens.iter().zip(&sp.powers[i]) {
                let mut out = vec![0u8; img.len()];
                g.pow(k as usize).apply(&img, &mut out);
                img = out;
            }
            assert_eq!(imgs.image(sp.first + i), &img[..], "{} image {i}", sp.name);
            assert_eq!(labels[sp.first + i], base.train.labels[b]);
        }
    }
}

#[test]
fn the_manifest_rebuilds_every_exported_image() {
    for translation in [Translation::Paper, Translation::Compatible] {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(translation);
        let base = aen_engine::session::open_base(&s).unwrap();
        let written = gexport::export(&s, &base, dir.path()).unwrap();
        let m: Manifest =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m, written);
        assert_eq!(
            m.image_step,
            if translation == Translation::Paper {
                4
            } else {
                7
            }
        );
        assert_eq!(m.power_order, ["rot90", "htrans", "sc4"]);
        let orders = [4, if m.image_step == 4 { 7 } else { 4 }, 2];
        let all: Vec<&Vec<u8>> = m.splits.iter().flat_map(|s| &s.powers).collect();
        assert!(
            all.iter()
                .all(|ks| ks.iter().zip(orders).all(|(&k, o)| k < o))
        );
        assert!(all.iter().any(|ks| ks[1] != 0), "some images are shifted");
        rederive(dir.path(), &m);
        for f in &m.files {
            let bytes = std::fs::read(dir.path().join(&f.name)).unwrap();
            assert_eq!(gexport::sha256_hex(&bytes), f.sha256, "{}", f.name);
        }
        let asset = std::fs::read("assets/mnist-images-idx3-ubyte.gz").unwrap();
        assert_eq!(m.base_files[0].sha256, gexport::sha256_hex(&asset));
    }
}

#[test]
fn an_export_reads_back_with_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let o = common::aen()
        .args([
            "data",
            "export",
            "--source",
            "embedded",
            "--train-size",
            "300",
            "--val-size",
            "200",
            "--test-size",
            "100",
            "--out",
        ])
        .arg(&out)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let base = data::open(DatasetKind::Mnist, Some(&out), Some(SourceKind::DataDir)).unwrap();
    assert_eq!(
        (base.train.len(), base.test.as_ref().unwrap().len()),
        (500, 100)
    );
    let list = common::aen()
        .args(["data", "list", "--data-dir"])
        .arg(&out)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success());
    assert!(text.contains("data-dir   train 500 / test 100"), "{text}");
}
