//! Small statistics for timings: median (the reported value) and spread.

/// Median of the samples (mean of the middle two for an even count); NaN for none.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Median, or `None` for no samples.
pub fn median_opt(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| median(xs))
}

/// Largest sample, or `None`.
pub fn max_opt(xs: &[f64]) -> Option<f64> {
    xs.iter().copied().reduce(f64::max)
}

/// Smallest sample, or `None`.
pub fn min_opt(xs: &[f64]) -> Option<f64> {
    xs.iter().copied().reduce(f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(median_opt(&[]), None);
        assert_eq!(max_opt(&[1.0, 5.0, 2.0]), Some(5.0));
        assert_eq!(min_opt(&[3.0, 1.0, 2.0]), Some(1.0));
        assert_eq!(min_opt(&[]), None);
    }
}
