//! Summaries of repeated trainings: mean, standard deviation and Welch's t-test
//! (docs/method.md §7). The distributions are statrs'.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::checked_beta_reg;

/// The mean of `v` (0 for none).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// The sample standard deviation (n − 1 in the denominator); 0 for fewer than two values.
pub fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Above this many degrees of freedom the 97.5 % quantile of Student's t is the
/// normal's (they agree to 2e-5). statrs 0.18's `StudentsT::inverse_cdf` goes wrong
/// beyond about 10⁶ (1.8266 at 10⁷) and does not return at 10⁹, so it is not asked there.
const NORMAL_FROM_DF: usize = 100_000;

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (two-sided 95 %),
/// from statrs; NaN for 0.
///
/// ```
/// assert!((aen_engine::stats::t975(2) - 4.302_653).abs() < 1e-6);
/// assert!((aen_engine::stats::t975(49) - 2.009_575).abs() < 1e-6);
/// assert!((aen_engine::stats::t975(1_000_000_000) - 1.959_964).abs() < 1e-6);
/// ```
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df > NORMAL_FROM_DF {
        return Normal::standard().inverse_cdf(0.975);
    }
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Two-sided p-value of Welch's t-test that `a` and `b` have the same mean. `None`
/// when either has fewer than two values: there is no estimate of the noise.
///
/// ```
/// let p = aen_engine::stats::welch_p(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0]).unwrap();
/// assert!((p - 0.070_988).abs() < 1e-5);
/// ```
pub fn welch_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let (diff, se, df) = welch(a, b)?;
    if se == 0.0 {
        // No spread at all: the means either coincide or differ beyond any noise.
        return Some(if diff == 0.0 { 1.0 } else { 0.0 });
    }
    Some(student_t_two_sided(diff / se, df))
}

/// The difference of means `mean(a) - mean(b)` and the half-width of its 95%
/// confidence interval under Welch's approximation (df rounded down). `None` when either
/// has fewer than two values.
///
/// ```
/// let (d, h) = aen_engine::stats::welch_ci(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0]).unwrap();
/// assert_eq!(d, -2.0);
/// assert!((h - 2.233_80).abs() < 1e-4); // t(6) = 2.447 times sqrt(5/6)
/// ```
pub fn welch_ci(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    let (diff, se, df) = welch(a, b)?;
    if se == 0.0 {
        return Some((diff, 0.0));
    }
    Some((diff, t975(df.floor() as usize) * se))
}

/// Welch's difference of means, its standard error and the Welch–Satterthwaite
/// degrees of freedom (NaN when the standard error is 0).
fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (va, vb) = (
        std_dev(a).powi(2) / a.len() as f64,
        std_dev(b).powi(2) / b.len() as f64,
    );
    let df =
        (va + vb).powi(2) / (va.powi(2) / (a.len() - 1) as f64 + vb.powi(2) / (b.len() - 1) as f64);
    Some((mean(a) - mean(b), (va + vb).sqrt(), df))
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2),
/// statrs' regularised incomplete beta (NaN for a `df` that is not positive).
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    checked_beta_reg(df / 2.0, 0.5, df / (df + t * t)).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_tails_match_tables() {
        // Two-sided critical values of Student's t at 0.05 and 0.01.
        for (t, df, p) in [
            (2.228_138_851_986, 10.0, 0.05),
            (12.706_204_736_17, 1.0, 0.05),
            (3.169_272_672_617, 10.0, 0.01),
            (1.959_963_984_540, 1e9, 0.05),
            (0.0, 5.0, 1.0),
        ] {
            let got = student_t_two_sided(t, df);
            assert!((got - p).abs() < 1e-6, "t {t} df {df}: {got}");
        }
    }

    #[test]
    fn t_quantiles_are_exact_and_continuous_into_the_normal() {
        // R's qt(0.975, df).
        for (df, q) in [(1, 12.706_204_736), (3, 3.182_446_305), (30, 2.042_272_456)] {
            assert!((t975(df) - q).abs() < 1e-8, "df {df}: {}", t975(df));
        }
        let (below, above) = (t975(NORMAL_FROM_DF), t975(NORMAL_FROM_DF + 1));
        assert!(below > above && below - above < 3e-5, "{below} {above}");
        assert!(t975(0).is_nan());
    }

    #[test]
    fn welch_needs_two_values_each_and_handles_no_spread() {
        assert_eq!(welch_p(&[1.0], &[2.0, 3.0]), None);
        assert_eq!(welch_p(&[1.0, 1.0], &[1.0, 1.0]), Some(1.0));
        assert_eq!(welch_p(&[2.0, 2.0], &[1.0, 1.0]), Some(0.0));
        // t = 2.0381, df = 2.1597; the tail 0.168903 was integrated numerically from
        // the t density, independently of this code.
        let p = welch_p(&[90.0, 91.0, 92.0], &[80.0, 85.0, 90.0]).unwrap();
        assert!((p - 0.168_903_467_56).abs() < 1e-8, "{p}");
        assert!(
            (std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).powi(2) - 32.0 / 7.0).abs() < 1e-12
        );
    }
}
