//! Settings files: the example documents the defaults, and bad files fail naming the key.

use aen_engine::settings::Settings;
use std::path::Path;

#[test]
fn the_example_config_loads_and_equals_the_defaults() {
    let text = std::fs::read_to_string("config.example.toml").unwrap();
    let s = Settings::from_toml(&text, Path::new("config.example.toml")).unwrap();
    assert_eq!(s, Settings::default());
}

#[test]
fn an_empty_file_gives_the_defaults_and_a_partial_one_overrides_only_its_keys() {
    assert_eq!(
        Settings::from_toml("", Path::new("x")).unwrap(),
        Settings::default()
    );
    let s = Settings::from_toml("[child]\nepochs = 2\n", Path::new("x")).unwrap();
    assert_eq!(s.child.epochs, 2);
    assert_eq!(s.child.batch, 64);
}

fn err(text: &str) -> String {
    Settings::from_toml(text, Path::new("cfg.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn unknown_keys_wrong_types_and_out_of_range_values_name_the_key() {
    let e = err("[child]\nepoch = 3\n");
    assert!(
        e.contains("cfg.toml") && e.contains("unknown field `epoch`"),
        "{e}"
    );
    let e = err("[search]\ngamma = \"high\"\n");
    assert!(e.contains("gamma") && e.contains("invalid type"), "{e}");
    let e = err("[search]\ngamma = 1.5\n");
    assert!(
        e.contains("search.gamma = 1.5 is out of range; allowed: 0 to 0.999"),
        "{e}"
    );
    let e = err("[child]\nbatch = 0\n");
    assert!(
        e.contains("child.batch = 0 is out of range; allowed: 1 to 4096"),
        "{e}"
    );
    let e = err("[data]\ngroups = \"rot90,flip\"\n");
    assert!(e.contains("unknown group `flip`"), "{e}");
    let e = err("[search]\nepsilon_schedule = [[0, 1.0], [10, 2.0]]\n");
    assert!(e.contains("search.epsilon_schedule"), "{e}");
    let e = err("[data]\nsource = \"cloud\"\n");
    assert!(e.contains("data.source") && e.contains("embedded"), "{e}");
    let e = err("[tui]\nx = 1\n");
    assert!(e.contains("unknown field `tui`"), "{e}");
}

#[test]
fn epsilon_follows_the_paper_schedule_unless_fixed() {
    let mut s = Settings::default();
    assert_eq!(s.epsilon(0), 1.0);
    assert_eq!(s.epsilon(199), 1.0);
    assert_eq!(s.epsilon(200), 0.9);
    assert_eq!(s.epsilon(960), 0.1);
    assert_eq!(s.epsilon(5000), 0.01);
    s.search.fixed_epsilon = Some(0.3);
    assert_eq!(s.epsilon(0), 0.3);
}

#[test]
fn the_committed_example_config_is_the_one_generated_from_the_settings_table() {
    let committed = std::fs::read_to_string("config.example.toml").unwrap();
    assert_eq!(
        committed,
        aen_engine::settings::example::example_toml(),
        "regenerate it with `cargo run --release -- config example > config.example.toml`"
    );
}

#[test]
fn every_setting_round_trips_through_its_text_form_and_nan_is_refused_everywhere() {
    let d = Settings::default();
    for spec in aen_engine::settings::TABLE {
        let mut s = d.clone();
        s.set(spec.key, &spec.get(&d)).unwrap();
        assert_eq!(s, d, "{}", spec.key);
    }
    for key in [
        "child.lr",
        "search.gamma",
        "search.q_lr",
        "search.fixed_epsilon",
    ] {
        let e = Settings::default().set(key, "NaN").unwrap_err().to_string();
        assert!(e.contains("not a finite number"), "{key}: {e}");
    }
    let e = err("[search]\nfixed_epsilon = nan\n");
    assert!(e.contains("search.fixed_epsilon = NaN"), "{e}");
    let e = err("[search]\nepsilon_schedule = [[0, nan]]\n");
    assert!(e.contains("search.epsilon_schedule"), "{e}");
}

/// Every setting that changes a child's result (the settings table's `affects` column)
/// is recorded in a sweep table's identity: changing it makes the table not fit. A
/// setting added to the table as `Child` and forgotten in the identity fails here.
#[test]
fn every_setting_that_changes_a_child_is_in_a_sweep_tables_identity() {
    use aen_engine::settings::{Affects, TABLE};
    let base = Settings::default();
    let id = aen_engine::sweep::table::identity_of(&base, "mnist", "embedded", "0".into());
    // Another valid value of each setting whose bounds do not give one.
    let other = |key: &str| -> Option<&str> {
        Some(match key {
            "data.dataset" => "fashion-mnist",
            "data.groups" => "rot90",
            "data.translation" => "compatible",
            "data.seed" => "7",
            "data.normalize" => "none",
            "data.resample" => "per-epoch",
            "child.lr" => "0.01",
            "child.per_pass" => "8",
            _ => return None,
        })
    };
    let mut checked = 0;
    for spec in TABLE.iter().filter(|s| s.affects == Affects::Child) {
        // Where the data comes from is recorded as the data's fingerprint, checked when
        // a table is opened, not as a setting.
        if matches!(spec.key, "data.source" | "data.data_dir") {
            continue;
        }
        // A table of `none` cannot serve a search by classes (the other way round, it
        // can: every set has its row).
        if spec.key == "search.equivalence" {
            let mut none = base.clone();
            none.set(spec.key, "none").unwrap();
            let id = aen_engine::sweep::table::identity_of(&none, "mnist", "embedded", "0".into());
            let e = id.fits(&base).expect_err(spec.key).to_string();
            assert!(e.contains(spec.key), "{e}");
            id.fits(&none).unwrap();
            checked += 1;
            continue;
        }
        let value = match (other(spec.key), &spec.bounds) {
            (Some(v), _) => v.to_string(),
            (None, aen_engine::settings::Bounds::Int(lo, _))
                if spec.default_text() != lo.to_string() =>
            {
                lo.to_string()
            }
            (None, aen_engine::settings::Bounds::Int(lo, _)) => (lo + 1).to_string(),
            _ => panic!("{}: give this test another value of it", spec.key),
        };
        let mut s = base.clone();
        s.set(spec.key, &value).unwrap();
        let e = id.fits(&s).expect_err(spec.key).to_string();
        assert!(e.contains(spec.key), "{}: {e}", spec.key);
        checked += 1;
    }
    assert!(checked >= 15, "{checked}");
    // And nothing that changes no result is: a table fits any number of trainers.
    for spec in TABLE.iter().filter(|s| s.affects == Affects::Resources) {
        let mut s = base.clone();
        s.set(spec.key, "1").unwrap();
        id.fits(&s).unwrap();
    }
}

/// A choice setting's list of names is complete and exact: each parses and shows as
/// itself, and what it holds by default is one of them.
#[test]
fn every_choice_setting_lists_its_names_once() {
    let mut checked = 0;
    for spec in aen_engine::settings::TABLE
        .iter()
        .filter(|s| !s.choices.is_empty())
    {
        let mut s = aen_engine::settings::Settings::default();
        for name in spec.choices {
            spec.set(&mut s, name).unwrap();
            assert_eq!(&spec.get(&s), name, "{}", spec.key);
        }
        assert!(
            spec.choices.contains(&spec.default_text().as_str()),
            "{}",
            spec.key
        );
        assert!(spec.set(&mut s, "no-such-name").is_err());
        checked += 1;
    }
    // strategy, reward, equivalence, dataset, normalize, resample, translation.
    assert_eq!(checked, 7);
}
