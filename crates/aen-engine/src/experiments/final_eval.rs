//! The final evaluation of a search's best states: retrained beside the plain and
//! single-group networks under the final protocol, on sizes the data can hold.

use super::run::{ExpError, ExpProgress, child_spec, forward};
use super::sets::{set_label, single_sets};
use crate::data::BaseData;
use crate::evaluation::EvalRow;
use crate::gdata::SplitSizes;
use crate::groups::GroupSet;
use crate::runner::{self, Job};
use crate::settings::Settings;
use crate::stats;
use crate::train::Flow;

/// The final protocol's sizes shrunk to what the data hold (the embedded pool of 10,000,
/// or a small set of the user's own), with a note saying so; None when they fit.
pub fn fit_sizes(base: &BaseData, sizes: SplitSizes) -> (SplitSizes, Option<String>) {
    if let Some(test_file) = &base.test {
        // A small set of the user's own: the final protocol's defaults (10,000 /
        // 1,000 / 1,000) shrink to what its two files hold, validation and test first.
        let (have, tests) = (base.train.len(), test_file.len());
        let test = sizes.test.min(tests);
        let fits = sizes.train + sizes.val <= have;
        if (fits && test == sizes.test) || sizes.val >= have {
            return (sizes, None);
        }
        let train = if fits { sizes.train } else { have - sizes.val };
        let note = format!(
            "{} holds {have} training and {tests} test images: training on {train} and testing on {test} instead of {} and {} (final_eval.train_size, final_eval.test_size)",
            base.kind.title(),
            sizes.train,
            sizes.test
        );
        return (
            SplitSizes {
                train,
                test,
                ..sizes
            },
            Some(note),
        );
    }
    let pool = base.train.len();
    let total = sizes.train + sizes.val + sizes.test;
    if total <= pool || sizes.val + sizes.test >= pool {
        return (sizes, None);
    }
    let train = pool - sizes.val - sizes.test;
    let note = format!(
        "the embedded pool holds {pool} images: training on {train} instead of {} (use --data-dir or `aen data fetch` for the full set)",
        sizes.train
    );
    (SplitSizes { train, ..sizes }, Some(note))
}

/// Retrains `top` (the best searched states) and the plain and single-group networks
/// under the single-equivariance protocol on the search's G-data, `final_eval.seeds`
/// seeds each, on `child.jobs` cores.
pub fn final_eval(
    settings: &Settings,
    base: &BaseData,
    top: &[(GroupSet, f64)],
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<(Vec<EvalRow>, Option<String>, SplitSizes), ExpError> {
    let (sizes, note) = fit_sizes(base, settings.final_sizes());
    let gd = settings
        .gdata(base, settings.data.groups, sizes)
        .map_err(crate::error::Error::from)?;
    let mut nets: Vec<(String, GroupSet, Option<f64>)> = top
        .iter()
        .enumerate()
        .map(|(k, (g, acc))| (format!("searched #{}", k + 1), *g, Some(*acc)))
        .collect();
    for g in single_sets() {
        let kind = if g.is_empty() { "plain" } else { "single" };
        nets.push((kind.into(), g, None));
    }
    let seeds = settings.final_eval.seeds.max(1);
    let jobs: Vec<Job> = (nets.iter())
        .flat_map(|(kind, g, _)| {
            (0..seeds as u32).map(move |k| Job {
                state: *g,
                k,
                label: match seeds {
                    1 => format!("{kind} {}", set_label(*g)),
                    _ => format!("{kind} {} seed {k}", set_label(*g)),
                },
            })
        })
        .collect();
    let spec = child_spec(settings, settings.final_eval.epochs);
    let threads = settings.trainers().min(jobs.len()).max(1);
    let total = jobs.len();
    let flat = runner::train_all(gd.into(), spec, &jobs, threads, &mut |e| {
        forward(e, 0, total, progress)
    })?;
    let rows = (nets.into_iter().zip(flat.chunks(seeds)))
        .map(|((kind, groups, search_val_acc), rs)| {
            let val_seeds: Vec<f64> = rs.iter().map(|r| r.val_acc).collect();
            let test_seeds: Vec<f64> = rs.iter().map(|r| r.test_acc).collect();
            EvalRow {
                kind,
                groups,
                search_val_acc,
                val_acc: stats::mean(&val_seeds),
                test_acc: stats::mean(&test_seeds),
                params: rs[0].params,
                seconds: rs.iter().map(|r| r.seconds).sum(),
                val_seeds,
                test_seeds,
            }
        })
        .collect();
    Ok((rows, note, sizes))
}
