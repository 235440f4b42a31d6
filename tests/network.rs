//! A found network out of aen and back: `aen export-net` writes a folder any framework
//! reads, `aen eval-net` refuses one whose files were altered and shows the network
//! equivariant on real images, and the NumPy loader (python/aen_model.py) predicts
//! exactly what aen predicts.

use crate::common::aen_in;
use std::path::Path;
use std::process::Output;

const EXPORT: [&str; 12] = [
    "export-net",
    "--source",
    "embedded",
    "--final-epochs",
    "1",
    "--final-train-size",
    "300",
    "--final-val-size",
    "100",
    "--final-test-size",
    "100",
    "--json",
];

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn export(home: &Path, groups: &str, out: &Path) -> serde_json::Value {
    let out = out.to_str().unwrap();
    let args = [&EXPORT[..], &["--net-groups", groups, "--out", out]].concat();
    serde_json::from_str(ok(&aen_in(&args, home)).trim()).unwrap()
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "should have failed");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_exported_network_is_read_back_checked_and_equivariant_on_real_images() {
    let home = tempfile::tempdir().unwrap();
    let net = home.path().join("net");
    let meta = export(home.path(), "rot90,hflip", &net);
    assert_eq!(meta["groups"], "rot90,hflip");
    assert_eq!(meta["params"], 63_560);
    assert_eq!(meta["layers"], serde_json::json!([784, 400, 400, 10]));
    assert_eq!(meta["protocol"]["epochs"], 1);
    assert_eq!(meta["classes"].as_array().unwrap().len(), 10);
    for f in ["model.safetensors", "tied.safetensors", "model.json"] {
        assert!(net.join(f).is_file(), "{f}");
    }
    let o = aen_in(
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--source",
            "embedded",
            "--count",
            "200",
            "--json",
        ],
        home.path(),
    );
    let e: serde_json::Value = serde_json::from_str(ok(&o).trim()).unwrap();
    assert_eq!(e["images"], 200);
    let groups = e["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        let err = g["hidden_error"].as_f64().unwrap();
        assert!(err < 1e-5, "equivariant to float rounding: {g}");
    }
    // Exporting again over the same folder replaces it; a folder of other files is refused.
    export(home.path(), "none", &net);
    let other = home.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let args = [
        &EXPORT[..],
        &["--net-groups", "rot90", "--out", other.to_str().unwrap()],
    ]
    .concat();
    assert!(err(&aen_in(&args, home.path())).contains("notes.txt"));
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Flips the low bit of the first byte after a safetensors file's header.
fn alter_first_value(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    b[8 + n] ^= 1;
    std::fs::write(path, b).unwrap();
}

#[test]
fn altered_files_are_refused_with_what_is_wrong() {
    let home = tempfile::tempdir().unwrap();
    let net = home.path().join("net");
    export(home.path(), "rot90", &net);
    let eval = |home: &Path| {
        aen_in(
            &["eval-net", net.to_str().unwrap(), "--source", "embedded"],
            home,
        )
    };
    let model = std::fs::read(net.join("model.safetensors")).unwrap();
    alter_first_value(&net.join("model.safetensors"));
    assert!(err(&eval(home.path())).contains("not the expansion of tied.safetensors"));
    std::fs::write(net.join("model.safetensors"), &model).unwrap();
    ok(&eval(home.path()));
    // Orbit ids that are not rot90's: the weight ids follow theta, bias and their ids
    // in the header's order, so alter the ids through the JSON header's offsets.
    let tied = std::fs::read(net.join("tied.safetensors")).unwrap();
    let n = u64::from_le_bytes(tied[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&tied[8..8 + n]).unwrap();
    let at = header["fc1.weight_ids"]["data_offsets"][0]
        .as_u64()
        .unwrap() as usize;
    let mut bad = tied.clone();
    bad[8 + n + at] ^= 1;
    std::fs::write(net.join("tied.safetensors"), &bad).unwrap();
    assert!(err(&eval(home.path())).contains("orbit ids of fc1 are not those of rot90"));
    std::fs::write(net.join("tied.safetensors"), &tied).unwrap();
    std::fs::write(net.join("model.json"), "{}").unwrap();
    assert!(err(&eval(home.path())).contains("model.json"));
}

pub fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_numpy_loader_predicts_what_aen_predicts() {
    if !python_has("numpy") {
        assert!(
            std::env::var_os("AEN_REQUIRE_NUMPY").is_none(),
            "CI installs NumPy: python3 -c 'import numpy' must work"
        );
        eprintln!("skipped: python3 with NumPy is not installed (pip install numpy)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let net = home.path().join("net");
    export(home.path(), "preset:2", &net);
    let csv = home.path().join("aen.csv");
    let args = [
        "eval-net",
        net.to_str().unwrap(),
        "--source",
        "embedded",
        "--count",
        "200",
        "--predictions",
        csv.to_str().unwrap(),
    ];
    ok(&aen_in(&args, home.path()));
    let ours: Vec<String> = (std::fs::read_to_string(&csv).unwrap().lines().skip(1))
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(ours.len(), 200);
    let base = aen_core::data::open(
        aen_core::data::DatasetKind::Mnist,
        None,
        Some(aen_core::data::SourceKind::Embedded),
    )
    .unwrap();
    let test = base.test.as_ref().unwrap_or(&base.train);
    let npy = home.path().join("images.npy");
    let bytes = crate::formats::npy("|u1", &[200, 28, 28], &test.images.pixels[..200 * 784]);
    std::fs::write(&npy, bytes).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/aen_model.py");
    let o = std::process::Command::new("python3")
        .arg(&script)
        .arg(&net)
        .arg(&npy)
        .output()
        .unwrap();
    let theirs: Vec<String> = ok(&o).lines().map(String::from).collect();
    assert_eq!(theirs, ours, "NumPy's predictions are aen's");
    let check = format!(
        "import sys; sys.path.insert(0, {:?}); import aen_model; assert aen_model.load({:?}).check_tying()",
        script.parent().unwrap(),
        net
    );
    ok(&std::process::Command::new("python3")
        .args(["-c", &check])
        .output()
        .unwrap());
    if python_has("torch") {
        let torch = format!(
            "import sys, numpy as np, torch; sys.path.insert(0, {:?}); import aen_model\n\
             n = aen_model.load({:?}); x = np.load({:?})\n\
             t = n.to_torch()(torch.from_numpy(n.inputs(x))).argmax(1).numpy()\n\
             assert (t == n.predict(x)).all()",
            script.parent().unwrap(),
            net,
            npy
        );
        ok(&std::process::Command::new("python3")
            .args(["-c", &torch])
            .output()
            .unwrap());
    } else {
        eprintln!("PyTorch part skipped: torch is not installed");
    }
}

#[test]
fn a_search_exports_its_best_states_network_on_request() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let snap = home.path().join("s.json");
    let search = [
        "search",
        "--max-models",
        "4",
        "--export-net",
        "--snapshot",
        snap.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let args = [&search[..], crate::common::TINY_CHILD, &EXPORT[3..11]].concat();
    ok(&aen_in(&args, home.path()));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("network/model.json")).unwrap()).unwrap();
    let snapshot = aen_engine::snapshot::load(&snap).unwrap();
    let best = snapshot.history.best(1)[0].state;
    assert_eq!(meta["group_bits"], best.bit_string());
    assert_eq!(meta["protocol"]["epochs"], 1);
    let dir = out.join("network");
    let args = [
        "eval-net",
        dir.to_str().unwrap(),
        "--source",
        "embedded",
        "--count",
        "50",
    ];
    ok(&aen_in(&args, home.path()));
}

/// Edits model.json's fields in place.
fn edit_meta(dir: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let path = dir.join("model.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
}

#[test]
fn model_json_that_contradicts_itself_or_the_network_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let net = home.path().join("net");
    export(home.path(), "rot90", &net);
    let good = std::fs::read(net.join("model.json")).unwrap();
    let eval = || {
        let o = aen_in(
            &["eval-net", net.to_str().unwrap(), "--source", "embedded"],
            home.path(),
        );
        std::fs::write(net.join("model.json"), &good).unwrap();
        err(&o)
    };
    edit_meta(&net, |v| v["groups"] = "hflip".into());
    assert!(eval().contains("are different sets"));
    edit_meta(&net, |v| v["params"] = 1.into());
    assert!(eval().contains("params 1"));
    edit_meta(&net, |v| v["classes"] = serde_json::json!(["a", "b", "c"]));
    assert!(eval().contains("of 3 classes with layers [784, 400, 400, 10]"));
    edit_meta(&net, |v| v["channels"] = 3.into());
    assert!(eval().contains("a 28x28x3 network"));
    edit_meta(&net, |v| v["std"] = serde_json::json!([0.0]));
    assert!(eval().contains("std [0.0]"));
    edit_meta(&net, |v| v["mean"] = serde_json::json!([0.1, 0.2]));
    assert!(eval().contains("one mean and one std per channel (1)"));
    edit_meta(&net, |v| v["step"] = 0.into());
    assert!(eval().contains("model.json: step 0"));
    // Predictions are never written over the network they come from, nor over a device.
    let model = net.join("model.json");
    let o = aen_in(
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--source",
            "embedded",
            "--predictions",
            model.to_str().unwrap(),
        ],
        home.path(),
    );
    err(&o);
    assert_eq!(std::fs::read(&model).unwrap(), good);
    let o = aen_in(
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--source",
            "embedded",
            "--predictions",
            "/dev/null",
        ],
        home.path(),
    );
    assert!(err(&o).contains("/dev/null"));
}

#[test]
fn a_cancelled_export_leaves_neither_files_nor_the_folder_it_made() {
    let home = tempfile::tempdir().unwrap();
    let mut s = crate::common::tiny_settings();
    s.final_eval.epochs = 1;
    s.final_eval.train_size = 200;
    s.final_eval.val_size = 50;
    s.final_eval.test_size = 50;
    let base = aen_engine::session::open_base(&s).unwrap();
    let dir = home.path().join("new");
    let mut n = 0;
    let r = aen_engine::network::export(
        &s,
        &base,
        aen_core::groups::GroupSet::EMPTY,
        &dir,
        &mut |_| {
            n += 1;
            aen_core::train::Flow::Cancel
        },
    );
    assert!(r.is_err() && n == 1);
    assert!(!dir.exists(), "no folder left behind");
}
