//! The import-circle check of .ci/run (`.ci/import-cycles.py`) on small trees: it finds
//! a circle written the way `pool` and `search` once wrote one (through a re-export in
//! a mod.rs and a relative `use`), and a child that imports its parent's items while
//! the parent uses the child; it passes a tree without circles, and aen's own.

use std::path::Path;
use std::process::Command;

fn check(dir: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/import-cycles.py");
    let o = Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .expect("python3 runs the check");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string(),
    )
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn a_circle_through_a_re_export_and_a_relative_use_is_found() {
    let t = tree(&[
        ("lib.rs", "pub mod pool;\npub mod search;\n"),
        (
            "pool.rs",
            "use crate::search::child_seed;\npub struct Pool;\n",
        ),
        (
            "search/mod.rs",
            "pub mod ahead;\nmod children;\npub use children::child_seed;\n",
        ),
        (
            "search/children.rs",
            "use super::ahead::Ahead;\npub fn child_seed() {}\n",
        ),
        (
            "search/ahead.rs",
            "use crate::pool::Pool;\npub struct Ahead;\n",
        ),
    ]);
    let (ok, out) = check(t.path());
    assert!(!ok, "{out}");
    for m in ["pool", "search", "search::ahead", "search::children"] {
        assert!(out.contains(m), "{m}: {out}");
    }
}

#[test]
fn a_child_importing_what_its_parent_defines_is_a_circle() {
    let t = tree(&[
        ("lib.rs", "pub mod data;\n"),
        (
            "data/mod.rs",
            "mod fetch;\npub use fetch::get;\npub enum Kind { A }\n",
        ),
        (
            "data/fetch.rs",
            "use super::Kind;\npub fn get(_: Kind) {}\n",
        ),
    ]);
    let (ok, out) = check(t.path());
    assert!(!ok && out.contains("data <-> data::fetch"), "{out}");
}

#[test]
fn a_tree_without_circles_and_aen_itself_pass() {
    let t = tree(&[
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        ("a/mod.rs", "mod kid;\npub use kid::X;\n"),
        ("a/kid.rs", "use crate::b::Y;\npub struct X(Y);\n"),
        ("b.rs", "pub struct Y;\n"),
    ]);
    let (ok, out) = check(t.path());
    assert!(ok, "{out}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for src in ["src", "crates/aen-core/src", "crates/aen-engine/src"] {
        let (ok, out) = check(&root.join(src));
        assert!(ok, "{src}: {out}");
    }
}
