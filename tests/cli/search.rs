//! `aen search` headless: its CSV, JSON and plots, a kill -9 and resume, and its warnings
//! about settings the DQN cannot learn under.

use super::{aen, text};
use crate::common;
use std::path::Path;

fn search_args<'a>(snap: &'a str, out: &'a str, models: &'a str) -> Vec<&'a str> {
    vec![
        "search",
        "--source",
        "embedded",
        "--data-groups",
        "preset:2",
        "--max-models",
        models,
        "--epochs",
        "1",
        "--train-size",
        "400",
        "--val-size",
        "200",
        "--test-size",
        "200",
        "--episode-len",
        "10",
        "--snapshot",
        snap,
        "--out",
        out,
    ]
}

fn is_png(p: &Path) -> bool {
    let b = std::fs::read(p).unwrap();
    b.len() > 10_000 && b.starts_with(b"\x89PNG\r\n\x1a\n")
}

#[test]
fn search_writes_csv_json_and_plots_and_final_eval_compares_with_single_groups() {
    let home = tempfile::tempdir().unwrap();
    let snap = home.path().join("s.json");
    let out = home.path().join("out");
    let o = aen(
        &search_args(snap.to_str().unwrap(), out.to_str().unwrap(), "15"),
        home.path(),
    );
    assert!(o.status.success(), "{}", text(&o).1);
    let csv = std::fs::read_to_string(out.join("models.csv")).unwrap();
    assert_eq!(csv.lines().count(), 16);
    assert!(
        csv.starts_with("index,state_bits,groups,val_acc,test_acc,params,train_seconds,first_step")
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["models_trained"], 15);
    assert!(is_png(&out.join("accuracy.png")) && is_png(&out.join("rewards.png")));
    // The per-step log: one row per step of the snapshot.
    let steps = std::fs::read_to_string(out.join("steps.csv")).unwrap();
    let recorded = aen_engine::snapshot::load(&snap).unwrap().history.steps;
    assert_eq!(steps.lines().count(), recorded.len() + 1);
    assert!(steps.starts_with("step,episode,state_bits,action,next_bits"));
    let first = steps.lines().nth(1).unwrap();
    assert!(
        first.starts_with(&format!("0,0,{}", recorded[0].state.bit_string())),
        "{first}"
    );

    // --final-eval on the finished snapshot: no new search, a comparison table.
    let cfg = home.path().join("small.toml");
    std::fs::write(&cfg, "").unwrap();
    let mut snapv: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
    snapv["settings"]["final_eval"] = serde_json::json!({"epochs": 1, "train_size": 300, "val_size": 100, "test_size": 100, "top_k": 2});
    std::fs::write(&snap, serde_json::to_vec(&snapv).unwrap()).unwrap();
    let o = aen(
        &[
            "search",
            "--resume",
            snap.to_str().unwrap(),
            "--final-eval",
            "--out",
            out.to_str().unwrap(),
        ],
        home.path(),
    );
    let (stdout, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        stdout.contains("searched #1")
            && stdout.contains("searched #2")
            && stdout.contains("plain"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("single")).count(),
        12
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["final_eval"].as_array().unwrap().len(), 15);

    // The evaluation is kept in the session: asked again, nothing is retrained, and an
    // export without --final-eval carries it.
    // The sizes it trained on are recorded beside the rows.
    assert_eq!(summary["final_eval_sizes"]["train"], 300);
    let kept = aen_engine::snapshot::load(&snap).unwrap();
    assert_eq!(kept.evaluations.len(), 1);
    assert_eq!(kept.evaluations[0].sizes.train, 300);
    assert_eq!(kept.evaluations[0].rows.len(), 15);
    assert_eq!(kept.evaluations[0].settings.top_k, 2);
    let again = aen(
        &["search", "--resume", snap.to_str().unwrap(), "--final-eval"],
        home.path(),
    );
    let (stdout2, err) = text(&again);
    assert!(err.contains("nothing retrained"), "{err}");
    assert_eq!(
        stdout2.lines().filter(|l| l.starts_with("single")).count(),
        12
    );
    let out2 = home.path().join("out2");
    let o = aen(
        &[
            "search",
            "--resume",
            snap.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ],
        home.path(),
    );
    assert!(o.status.success(), "{}", text(&o).1);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["final_eval"].as_array().unwrap().len(), 15);
}

#[test]
fn kill_9_mid_search_then_resume_loses_at_most_the_model_in_training() {
    let home = tempfile::tempdir().unwrap();
    let snap = home.path().join("k.json");
    let out = home.path().join("out");
    let (s, o) = (snap.to_str().unwrap(), out.to_str().unwrap());

    // The uninterrupted run, for comparison.
    let full_snap = home.path().join("full.json");
    let full_out = home.path().join("full");
    let f = aen(
        &search_args(
            full_snap.to_str().unwrap(),
            full_out.to_str().unwrap(),
            "30",
        ),
        home.path(),
    );
    assert!(f.status.success());

    let mut args = search_args(s, o, "30");
    args.push("--json");
    let mut child = common::aen()
        .args(&args)
        .env("XDG_DATA_HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Read model events until the 12th, then kill without warning.
    use std::io::BufRead;
    let mut seen = 0;
    let reader = std::io::BufReader::new(child.stdout.take().unwrap());
    for line in reader.lines() {
        let line = line.unwrap();
        if line.contains("\"event\":\"model\"") {
            seen += 1;
            if seen == 12 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let saved = aen_engine::snapshot::load(&snap).expect("the snapshot on disk is whole");
    assert!(
        saved.history.models.len() >= seen,
        "every announced model was saved"
    );
    assert!(saved.history.models.len() < 30);

    let r = aen(&["search", "--resume", s, "--out", o], home.path());
    assert!(r.status.success(), "{}", text(&r).1);
    let cols = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                format!("{},{},{},{},{}", c[1], c[2], c[3], c[4], c[5])
            })
            .collect()
    };
    assert_eq!(
        cols(&out.join("models.csv")),
        cols(&full_out.join("models.csv")),
        "the resumed run matches the uninterrupted one"
    );
}

/// `aen search` names the settings under which the DQN cannot learn, and runs anyway.
#[test]
fn search_warns_of_settings_the_dqn_cannot_learn_under() {
    let home = tempfile::tempdir().unwrap();
    let snap = home.path().join("w.json");
    let mut args = vec![
        "search",
        "--max-models",
        "3",
        "--snapshot",
        snap.to_str().unwrap(),
    ];
    args.extend_from_slice(crate::common::TINY_CHILD);
    let o = aen(&args, home.path());
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for says in [
        "warning: search.max_models 3 < search.q_batch 128",
        "warning: search.epsilon_schedule keeps epsilon 1 for all 3 models",
        "warning: search.episode_len 100 > search.max_models 3",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
}
