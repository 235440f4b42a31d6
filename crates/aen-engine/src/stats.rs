//! Summaries of repeated trainings: mean, standard deviation and Welch's t-test
//! (docs/method.md §7).

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

/// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%).
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=40 => 2.021,
        41..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
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

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    reg_inc_beta(df / 2.0, 0.5, df / (df + t * t))
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos (g = 7, n = 9), accurate to about 1e-15 for x > 0.5.
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction.
fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The fraction converges fast only below the mean; use the symmetry above it.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// Lentz's evaluation of the continued fraction of I_x(a, b).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        for coef in [even, odd] {
            d = 1.0 + coef * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + coef / c;
            c = if c.abs() < TINY { TINY } else { c };
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
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
