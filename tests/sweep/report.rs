//! The sweep report's statistics on a table with a known answer, and its text, CSV and
//! plots.

use super::{ok, reference};
use crate::common::{aen_in as aen, tiny_identity};
use aen_core::groups::{Group, GroupSet};
use aen_engine::sweep::report::Report;
use aen_engine::sweep::table::{Header, Row, StateSet, Table};

#[test]
fn the_report_finds_the_group_that_pays() {
    // A synthetic ground truth: rot90 adds 3 points and sc2 costs 2. On top, +-0.3 by
    // the parity of the set (exactly zero on average over the pairs of any group, but
    // not zero spread) and +-0.2 by seed (zero in every state's mean).
    let data = GroupSet::parse("rot90,sc4").unwrap();
    let states = aen_engine::sweep::all_states(None);
    let mut rows = Vec::new();
    for s in &states {
        for seed in 0..2u32 {
            let parity = if s.len() % 2 == 0 { 0.3 } else { -0.3 };
            let acc = 60.0 + 3.0 * s.contains(Group::Rot90) as u8 as f64
                - 2.0 * s.contains(Group::Sc2) as u8 as f64
                + parity
                + if seed == 0 { 0.2 } else { -0.2 };
            rows.push(Row {
                state: *s,
                seed,
                val_acc: acc,
                test_acc: acc,
                params: 1000 + s.bits() as usize,
                seconds: 0.0,
                class: *s,
                trained: true,
            });
        }
    }
    let t = Table {
        header: Header {
            settings: tiny_identity(data),
            seeds: 2,
            states: StateSet::new(&states),
            shard: None,
            version: 2,
        },
        rows,
    };
    let r = Report::new(&t);
    let m = |g: Group| r.marginal.iter().find(|m| m.group == g).unwrap().clone();
    let rot = m(Group::Rot90);
    assert_eq!(rot.pairs, 2048);
    assert!((rot.effect - 3.0).abs() < 1e-9, "{rot:?}");
    // The half-width is t * 0.6 / sqrt(2048) with t of 2047 degrees of freedom.
    assert!(
        (rot.hi - rot.lo - 2.0 * 1.96 * 0.6 / 2048f64.sqrt()).abs() < 1e-3,
        "{rot:?}"
    );
    assert!(rot.pays(), "{rot:?}");
    assert!(m(Group::Sc2).hurts());
    let sc4 = m(Group::Sc4);
    assert!(!sc4.pays() && !sc4.hurts(), "{sc4:?}");
    assert_eq!(r.by_groups.len(), 13);
    assert_eq!(r.by_groups[0].states, 1);
    assert_eq!(r.by_groups[6].states, 924);
    let best = r.ranked()[0];
    assert!(best.state.contains(Group::Rot90) && !best.state.contains(Group::Sc2));
    assert_eq!(best.seeds, 2);
    assert!((best.val_sd - 0.4 / 2f64.sqrt()).abs() < 1e-9, "{best:?}");
    let text = r.to_text();
    assert!(
        text.contains("data groups that pay: rot90")
            && text.contains("data groups that do not: sc4")
            && text.contains("other groups that pay: none"),
        "{text}"
    );
}

#[test]
fn report_writes_text_csv_and_plots() {
    let (dir, reference) = reference();
    let out = dir.path().join("report");
    let o = aen(
        &[
            "sweep",
            "report",
            reference.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("13 states, 13 networks, 26 rows (2 seeds per state)")
            && text.contains("best networks"),
        "{text}"
    );
    for f in [
        "states.csv",
        "by_groups.csv",
        "by_params.csv",
        "marginal.csv",
    ] {
        let c = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(c.lines().count() > 1, "{f}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("states.csv"))
            .unwrap()
            .lines()
            .count(),
        14
    );
    for f in ["by_groups.png", "by_params.png", "marginal.png"] {
        let b = std::fs::read(out.join(f)).unwrap();
        assert!(b.starts_with(b"\x89PNG") && b.len() > 10_000, "{f}");
    }
}
