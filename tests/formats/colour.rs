//! Colour data: networks equivariant to float precision that tie each channel alike, and
//! a colour set searched, exported and evaluated from the command line.

use super::{set, write_folder, write_npz};
use aen_core::groups::GroupSet;
use aen_core::kernel::Mlp;
use aen_core::orbits::{ChildOrbits, HIDDEN_SIDE, Shape};
use rand::SeedableRng;
use std::path::Path;

/// max |h(g x) - g h(x)| / max |h(x)| of the tied layers of a random colour network.
#[test]
fn colour_networks_are_equivariant_to_float_precision_and_tie_each_channel_alike() {
    let shape = Shape {
        side: 16,
        channels: 3,
        classes: 5,
    };
    let groups = GroupSet::parse("rot90,hflip,htrans,sc1").unwrap();
    let grey = ChildOrbits::for_shape(
        Shape {
            channels: 1,
            ..shape
        },
        groups,
        4,
    )
    .unwrap();
    let o = ChildOrbits::for_shape(shape, groups, 4).unwrap();
    assert_eq!(o.l1.n_weight, 3 * grey.l1.n_weight);
    assert_eq!(
        (o.l1.n_hidden, o.l2.n_weight),
        (grey.l1.n_hidden, grey.l2.n_weight)
    );
    assert_eq!(o.params(), grey.params() + 2 * grey.l1.n_weight);
    let net = aen_core::train::cpu::child_mlp(&o);
    assert_eq!(net.n_params(), o.params());
    assert_eq!((net.inputs(), net.outputs()), (768, 5));
    let params = net.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
    let tied = Mlp::new(net.layers()[..2].to_vec());
    let tp = &params[..net.layers()[1].ranges().1.end];
    let n = 20;
    let x: Vec<f32> = (0..n * 768)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let h = tied.predict(tp, &x, n);
    let scale = h.iter().fold(0f32, |a, v| a.max(v.abs()));
    assert!(scale > 0.0);
    for g in groups.iter() {
        let (gi, gh) = (
            g.generator(16, 4).unwrap(),
            g.generator(HIDDEN_SIDE, 4).unwrap(),
        );
        let permute = |v: &[f32], p: &aen_core::groups::Perm| -> Vec<f32> {
            let mut out = vec![0.0; v.len()];
            for (s, d) in v.chunks(p.len()).zip(out.chunks_mut(p.len())) {
                p.apply(s, d);
            }
            out
        };
        let hg = tied.predict(tp, &permute(&x, &gi), n);
        let want = permute(&h, &gh);
        let err = hg
            .iter()
            .zip(&want)
            .fold(0f32, |a, (p, q)| a.max((p - q).abs()));
        assert!(err / scale < 1e-5, "{}: {}", g.name(), err / scale);
    }
}

#[test]
fn a_colour_set_is_searched_exported_and_evaluated_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data");
    write_npz(
        &dir.join("set.npz"),
        &set(200, 8, 3, 3, 1),
        &set(60, 8, 3, 3, 2),
    );
    let d = dir.to_str().unwrap();
    let o = crate::common::aen_in(
        &["data", "list", "--dataset", "files", "--data-dir", d],
        home.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("NumPy .npz, train 200 / test 60, 8x8 colour, 3 classes"),
        "{out}"
    );
    let common = [
        "--dataset",
        "files",
        "--data-dir",
        d,
        "--normalize",
        "dataset",
        "--train-size",
        "120",
        "--val-size",
        "40",
        "--test-size",
        "40",
        "--epochs",
        "1",
    ];
    let out_dir = home.path().join("out");
    let search = [
        &[
            "search",
            "--max-models",
            "3",
            "--out",
            out_dir.to_str().unwrap(),
            "--export-net",
            "--final-epochs",
            "1",
            "--final-train-size",
            "120",
            "--final-val-size",
            "40",
            "--final-test-size",
            "40",
        ][..],
        &common[..],
    ]
    .concat();
    let o = crate::common::aen_in(&search, home.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("your files (8x8 colour, 3 classes)"), "{err}");
    let net = out_dir.join("network");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(net.join("model.json")).unwrap()).unwrap();
    assert_eq!(meta["layers"], serde_json::json!([192, 400, 400, 3]));
    assert_eq!(
        (meta["channels"].as_u64(), meta["input_side"].as_u64()),
        (Some(3), Some(8))
    );
    assert_eq!(meta["mean"].as_array().unwrap().len(), 3);
    let o = crate::common::aen_in(
        &[
            &["eval-net", net.to_str().unwrap(), "--json"][..],
            &common[..4],
        ]
        .concat(),
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let eval: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(eval["images"], 60);
    for g in eval["groups"].as_array().unwrap() {
        assert!(g["hidden_error"].as_f64().unwrap() < 1e-5, "{g}");
    }
    // The NumPy loader predicts what aen predicts, from N x H x W x C pixels as they
    // are in the .npz, and from N x C x H x W.
    let csv = home.path().join("p.csv");
    let args = [
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--predictions",
            csv.to_str().unwrap(),
        ][..],
        &common[..4],
    ]
    .concat();
    assert!(crate::common::aen_in(&args, home.path()).status.success());
    let ours: Vec<String> = (std::fs::read_to_string(&csv).unwrap().lines().skip(1))
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(ours.len(), 60);
    if !crate::network::python_has("numpy") {
        assert!(
            std::env::var_os("AEN_REQUIRE_NUMPY").is_none(),
            "NumPy is required"
        );
        eprintln!("NumPy loader part skipped: numpy is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let code = format!(
        "import sys, numpy as np; sys.path.insert(0, {script:?}); import aen_model\n\
         n = aen_model.load({net:?}); x = np.load({npz:?})['x_test']\n\
         p = n.predict(x); assert (p == n.predict(x.transpose(0, 3, 1, 2))).all()\n\
         print('\\n'.join(str(int(v)) for v in p))",
        npz = dir.join("set.npz"),
    );
    let o = std::process::Command::new("python3")
        .args(["-c", &code])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let theirs: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(theirs, ours, "NumPy's predictions are aen's");
    if crate::network::python_has("torch") {
        let torch = format!(
            "import sys, numpy as np, torch; sys.path.insert(0, {script:?}); import aen_model\n\
             n = aen_model.load({net:?}); x = np.load({npz:?})['x_test']\n\
             t = n.to_torch()(torch.from_numpy(n.inputs(x))).argmax(1).numpy()\n\
             assert (t == n.predict(x)).all()",
            npz = dir.join("set.npz"),
        );
        let o = std::process::Command::new("python3")
            .args(["-c", &torch])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        eprintln!("PyTorch part skipped: torch is not installed");
    }
    // Data of other classes is refused, not scored against the wrong labels.
    let other = home.path().join("other");
    write_folder(&other, &set(6, 8, 3, 3, 1), &set(3, 8, 3, 3, 2), "png");
    let o = crate::common::aen_in(
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--dataset",
            "files",
            "--data-dir",
            other.to_str().unwrap(),
        ],
        home.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("are not the network's"),
        "{err}"
    );
}
