//! The sweep report as text: the best networks, accuracy by groups and by parameters,
//! the marginal effects, and the verdict on the data groups.

use super::aggregate::{Marginal, StateStat};
use super::report::Report;
use crate::experiments::set_label;
use std::fmt::Write as _;

impl Report {
    /// The network of the data groups' own set (its class under classes).
    fn data_network(&self) -> Option<&StateStat> {
        let net = crate::settings::network_of(
            self.settings.classes().as_deref(),
            self.settings.data_groups,
        );
        self.states.iter().find(|x| x.state == net)
    }

    pub fn to_text(&self) -> String {
        let s = &self.settings;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "sweep of {} ({}), data groups {} (step {}, data seed {}), child {} on {} images: {} states, {} networks, {} rows ({} per state)",
            s.dataset,
            s.source,
            s.data_groups,
            s.step,
            s.data_seed,
            crate::report::plural(s.epochs, "epoch"),
            s.train_size,
            self.sets,
            self.states.len(),
            self.rows,
            crate::report::plural(self.seeds as usize, "seed")
        );
        let _ = writeln!(
            o,
            "\nbest networks (validation %, mean over seeds; spread = sd and min..max; sets = the sets that build it):"
        );
        let _ = writeln!(
            o,
            "{:>4}  {:<30} {:>7} {:>6} {:>15} {:>7} {:>8} {:>5}",
            "rank", "groups", "val", "sd", "min..max", "test", "params", "sets"
        );
        for (i, st) in self.ranked().iter().take(10).enumerate() {
            let (sd, spread) = if st.seeds > 1 {
                (
                    format!("{:.2}", st.val_sd),
                    format!("{:.1}..{:.1}", st.val_min, st.val_max),
                )
            } else {
                ("-".into(), "-".into())
            };
            let _ = writeln!(
                o,
                "{:>4}  {:<30} {:>7.2} {:>6} {:>15} {:>7.2} {:>8} {:>5}",
                i + 1,
                set_label(st.state),
                st.val_mean,
                sd,
                spread,
                st.test_mean,
                st.params,
                st.members
            );
        }
        if let Some(d) = self.data_network() {
            let rank = self
                .ranked()
                .iter()
                .position(|x| x.state == d.state)
                .map_or(0, |p| p + 1);
            let _ = writeln!(
                o,
                "the data groups themselves ({}, network of {}): {:.2}%, rank {rank} of {}",
                set_label(s.data_groups),
                set_label(d.state),
                d.val_mean,
                self.states.len()
            );
        }
        self.write_buckets(&mut o);
        self.write_marginal(&mut o);
        let _ = writeln!(o, "\n{}", self.verdict());
        o
    }

    fn write_buckets(&self, o: &mut String) {
        let _ = writeln!(*o, "\nvalidation % by number of groups:");
        let _ = writeln!(
            *o,
            "{:>6} {:>7} {:>7} {:>7}  best",
            "groups", "states", "mean", "best"
        );
        for b in &self.by_groups {
            let _ = writeln!(
                o,
                "{:>6} {:>7} {:>7.2} {:>7.2}  {}",
                b.lo,
                b.states,
                b.val_mean,
                b.best_val,
                set_label(b.best)
            );
        }
        let _ = writeln!(*o, "\nvalidation % by parameters:");
        let _ = writeln!(
            *o,
            "{:>17} {:>7} {:>7} {:>7}  best",
            "params", "states", "mean", "best"
        );
        for b in &self.by_params {
            let _ = writeln!(
                o,
                "{:>17} {:>7} {:>7.2} {:>7.2}  {}",
                format!("{}..{}", b.lo, b.hi),
                b.states,
                b.val_mean,
                b.best_val,
                set_label(b.best)
            );
        }
    }

    fn write_marginal(&self, o: &mut String) {
        let _ = writeln!(
            *o,
            "\nmarginal effect of each group: mean of acc(S+g) - acc(S) over the sets S without g\n(both in the table), in points, with its 95% interval (pairs taken as independent); * = data group:"
        );
        let _ = writeln!(
            *o,
            "{:<7} {:>4} {:>6} {:>8} {:>20}",
            "group", "data", "pairs", "effect", "95% interval"
        );
        for m in &self.marginal {
            let verdict = if m.pays() {
                "pays"
            } else if m.hurts() {
                "costs"
            } else {
                ""
            };
            let _ = writeln!(
                *o,
                "{:<7} {:>4} {:>6} {:>8} {:>20}  {verdict}",
                m.group.name(),
                if m.in_data { "*" } else { "" },
                m.pairs,
                if m.effect.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:+.2}", m.effect)
                },
                if m.lo.is_nan() {
                    "-".to_string()
                } else {
                    format!("[{:+.2}, {:+.2}]", m.lo, m.hi)
                }
            );
        }
    }

    /// Whether the groups that generated the data are the ones that pay.
    pub fn verdict(&self) -> String {
        let names = |f: &dyn Fn(&Marginal) -> bool| -> Vec<&str> {
            self.marginal
                .iter()
                .filter(|m| f(m))
                .map(|m| m.group.name())
                .collect()
        };
        if self.marginal.iter().all(|m| m.lo.is_nan()) {
            return "too few pairs (S, S+g) for intervals: sweep more group sets to judge which groups pay".into();
        }
        let data_pay = names(&|m| m.in_data && m.pays());
        let data_not = names(&|m| m.in_data && !m.pays() && !m.lo.is_nan());
        let other_pay = names(&|m| !m.in_data && m.pays());
        let unjudged = names(&|m| m.lo.is_nan());
        let list = |v: &[&str]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let head = match (
            data_pay.is_empty(),
            data_not.is_empty(),
            other_pay.is_empty(),
        ) {
            (true, _, true) => "no group clearly pays",
            (false, true, true) => "the groups that pay are exactly the data groups",
            (false, false, true) => "only data groups pay, but not all of them",
            (true, _, false) => "no data group pays, but others do",
            (false, _, false) => "data groups pay, and so do others",
        };
        let mut s = format!(
            "data groups {}: {head}.\n  data groups that pay: {}\n  data groups that do not: {}\n  other groups that pay: {}",
            self.settings.data_groups,
            list(&data_pay),
            list(&data_not),
            list(&other_pay)
        );
        if !unjudged.is_empty() {
            s += &format!("\n  too few pairs to judge: {}", unjudged.join(", "));
        }
        s
    }
}
