//! The plots of a sweep report: accuracy by number of groups, by parameters, and the
//! marginal effect of each group.

use super::report::Report;
use crate::error::Result;
use crate::groups::{Group, GroupSet, NUM_GROUPS};
use plotters::prelude::*;
use std::path::Path;

impl Report {
    pub(super) fn plot_groups(&self, path: &Path) -> Result<()> {
        crate::report::register_font();
        let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = self.acc_range();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Validation accuracy by number of groups (each state: mean over seeds)",
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..NUM_GROUPS as f64 + 0.5, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("groups in the set")
            .y_desc("validation accuracy (%)")
            .draw()?;
        chart
            .draw_series(self.states.iter().map(|s| {
                Circle::new(
                    (s.state.len() as f64, s.val_mean),
                    2,
                    RGBColor(160, 160, 160).filled(),
                )
            }))?
            .label("each state")
            .legend(|(x, y)| Circle::new((x + 10, y), 3, RGBColor(160, 160, 160).filled()));
        chart
            .draw_series(LineSeries::new(
                self.by_groups.iter().map(|b| (b.lo as f64, b.val_mean)),
                BLUE.stroke_width(2),
            ))?
            .label("mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                self.by_groups.iter().map(|b| (b.lo as f64, b.best_val)),
                RED.stroke_width(2),
            ))?
            .label("best")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerLeft)
            .draw()?;
        root.present()?;
        Ok(())
    }

    pub(super) fn plot_params(&self, path: &Path) -> Result<()> {
        crate::report::register_font();
        let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = self.acc_range();
        let pmin = self.states.iter().map(|s| s.params).min().unwrap_or(1) as f64;
        let pmax = self.states.iter().map(|s| s.params).max().unwrap_or(10) as f64;
        let data = self.settings.data_groups;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Validation accuracy by parameters (red: subsets of the data groups)",
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((pmin * 0.8..pmax * 1.25).log_scale(), lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("parameters (log)")
            .y_desc("validation accuracy (%)")
            .x_label_formatter(&|v| {
                // Plotters puts a label at every 1..9 x 10^k on a log axis, which
                // overlap; keep 1, 2 and 5.
                let e = 10f64.powf(v.log10().floor());
                let m = (v / e).round();
                if [1.0, 2.0, 5.0].contains(&m) && (v / e - m).abs() < 1e-6 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .draw()?;
        let subset = |s: GroupSet| s.bits() & !data.bits() == 0;
        chart.draw_series(self.states.iter().filter(|s| !subset(s.state)).map(|s| {
            Circle::new(
                (s.params as f64, s.val_mean),
                2,
                RGBColor(160, 160, 160).filled(),
            )
        }))?;
        chart.draw_series(
            self.states
                .iter()
                .filter(|s| subset(s.state))
                .map(|s| Circle::new((s.params as f64, s.val_mean), 4, RED.filled())),
        )?;
        root.present()?;
        Ok(())
    }

    pub(super) fn plot_marginal(&self, path: &Path) -> Result<()> {
        crate::report::register_font();
        let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
        let ext = self
            .marginal
            .iter()
            .flat_map(|m| [finite(m.lo), finite(m.hi), m.effect])
            .fold(1.0f64, |a, v| a.max(v.abs()));
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Marginal effect of each group, 95% interval (red: data groups)",
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..NUM_GROUPS as f64 - 0.5, -ext * 1.1..ext * 1.1)?;
        chart
            .configure_mesh()
            .x_labels(NUM_GROUPS)
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    Group::from_bit(i as usize).map_or(String::new(), |g| g.name().to_string())
                } else {
                    String::new()
                }
            })
            .y_desc("accuracy(S+g) - accuracy(S), points")
            .draw()?;
        chart.draw_series(LineSeries::new(
            vec![(-0.5, 0.0), (NUM_GROUPS as f64 - 0.5, 0.0)],
            BLACK.stroke_width(1),
        ))?;
        for m in self.marginal.iter().filter(|m| !m.effect.is_nan()) {
            let x = m.group.bit() as f64;
            let color = if m.in_data { RED } else { BLUE };
            if m.lo.is_finite() {
                let cap = |y: f64| {
                    PathElement::new(vec![(x - 0.12, y), (x + 0.12, y)], color.stroke_width(2))
                };
                chart.draw_series([
                    PathElement::new(vec![(x, m.lo), (x, m.hi)], color.stroke_width(2)),
                    cap(m.lo),
                    cap(m.hi),
                ])?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (x, m.effect),
                5,
                color.filled(),
            )))?;
        }
        root.present()?;
        Ok(())
    }
}
