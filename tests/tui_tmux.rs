//! Drives the real `aen` binary in tmux like a person would: start a search on the
//! embedded MNIST with preset 2 and tiny sizes, watch models being trained, move the
//! focus (timing each key to its redraw), change epsilon live, save a snapshot, quit,
//! and find the snapshot on disk.
//!
//! Needs tmux (`.ci/run` installs it). Set AEN_SKIP_TMUX=1 to skip where it is absent.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    name: String,
}

impl Tmux {
    fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let name = format!("aen-test-{}", std::process::id());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .status()
            .expect("tmux is installed (.ci/run installs it; AEN_SKIP_TMUX=1 skips this test)")
            .success();
        assert!(ok, "tmux new-session failed");
        Tmux { name }
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let t = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(90),
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Sends one key and returns how long the screen took to satisfy `pred`: the time
    /// from the key to the redraw, as a person sees it (plus the capture's own cost).
    fn key_latency(&self, key: &str, pred: impl Fn(&str) -> bool) -> Duration {
        let t = Instant::now();
        Command::new("tmux")
            .args(["send-keys", "-t", &self.name, key])
            .status()
            .unwrap();
        loop {
            if pred(&self.screen()) {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no redraw after {key}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

fn models_trained(screen: &str) -> usize {
    screen
        .split("models ")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_person_starts_a_search_tweaks_epsilon_saves_and_quits() {
    if std::env::var_os("AEN_SKIP_TMUX").is_some() {
        eprintln!("skipped: AEN_SKIP_TMUX is set");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // Every set its own network, and children big enough that the search is still
    // running when the live change comes (the kernel of aen 0.2 trained all 216
    // distinct networks of tiny children before it did).
    let cfg = home.path().join("tiny.toml");
    std::fs::write(
        &cfg,
        "[data]\ndataset = \"mnist\"\nsource = \"embedded\"\ngroups = \"preset:2\"\n\
         [child]\nepochs = 1\ntrain_size = 1000\nval_size = 200\ntest_size = 200\n\
         [search]\nmax_models = 3000\nmax_episodes = 10000\nepisode_len = 20\nq_batch = 16\n\
         equivalence = \"none\"\n",
    )
    .unwrap();
    let cmd = format!(
        "env XDG_DATA_HOME={} NO_COLOR=1 {} --config {}",
        home.path().display(),
        common::aen_bin().display(),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 120, 36);
    t.wait_for("the set-up screen", |s| {
        s.contains("G-data groups") && s.contains("vector 110000001100  preset 2")
    });
    t.wait_for("the preview", |s| s.contains("original → "));

    t.keys(&["s"]);
    t.wait_for("models being trained", |s| models_trained(s) >= 3);

    // Tab moves the focus (a thick frame) along the layout while training runs.
    let mut ms = Vec::new();
    for title in [
        "Accuracy vs models",
        "Episode rewards",
        "State",
        "Models by",
        "Val % vs params",
        "Log",
        "Q",
    ] {
        let frame = format!("┏ {title}");
        ms.push(t.key_latency("Tab", |s| s.contains(&frame)).as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "key-to-redraw latency during training over {} Tabs: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms.len(),
        ms[0],
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );

    // Live tweak: the first field of the form is the fixed epsilon.
    t.keys(&["t"]);
    t.wait_for("the live form", |s| s.contains("Live settings"));
    t.keys(&["Enter", "0", ".", "2", "5", "Enter", "a"]);
    t.wait_for("the change echoed in the log", |s| {
        s.contains("applied search.fixed_epsilon = 0.25")
    });
    t.wait_for("epsilon in the status bar", |s| s.contains("eps 0.25"));

    t.keys(&["w"]);
    t.wait_for("the name prompt", |s| s.contains("Save snapshot"));
    // The suggested name is selected: typing replaces it.
    t.keys(&["m", "y", "r", "u", "n", "Enter"]);
    let sessions = home.path().join("aen").join("sessions");
    let saved = sessions.join("myrun.json");
    let start = Instant::now();
    while !saved.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no snapshot at {}",
            saved.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    t.keys(&["q"]);
    t.wait_for("the quit question", |s| s.contains("Quit?"));
    t.keys(&["y"]);
    let start = Instant::now();
    while t.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "aen did not quit:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let snap = aen_engine::snapshot::load(&saved).expect("the saved snapshot loads");
    assert!(snap.history.models.len() >= 3);
    assert!(
        snap.history
            .changes
            .iter()
            .any(|(_, c)| *c
                == aen_engine::search::SettingChange::new("search.fixed_epsilon", "0.25"))
    );
    // The autosave of the session is there too, and the log went to a file.
    let files: Vec<_> = std::fs::read_dir(&sessions)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    let log = std::fs::read_to_string(home.path().join("aen").join("aen.log")).unwrap();
    assert!(log.contains("applied search.fixed_epsilon = 0.25"));
    assert!(Path::new(&saved).exists());
}
