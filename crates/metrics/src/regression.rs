//! Regression scores with scikit-learn semantics: MSE, MAE, RMSE and R².

use crate::error::Result;
use crate::label::{check_pair, finite_f64};

/// Both inputs as finite `f64`, same length, non-empty.
fn pair<F: Copy + Into<f64>>(
    what: &'static str,
    y_true: &[F],
    y_pred: &[F],
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_pair(what, y_true, y_pred)?;
    Ok((
        finite_f64(what, "y_true", y_true)?,
        finite_f64(what, "y_pred", y_pred)?,
    ))
}

/// Mean of a per-sample error.
fn mean_of(t: &[f64], p: &[f64], err: impl Fn(f64) -> f64) -> f64 {
    t.iter().zip(p).map(|(a, b)| err(a - b)).sum::<f64>() / t.len() as f64
}

/// sklearn `mean_squared_error`.
pub fn mean_squared_error<F: Copy + Into<f64>>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = pair("mean_squared_error", y_true, y_pred)?;
    Ok(mean_of(&t, &p, |d| d * d))
}

/// sklearn `mean_absolute_error`.
pub fn mean_absolute_error<F: Copy + Into<f64>>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = pair("mean_absolute_error", y_true, y_pred)?;
    Ok(mean_of(&t, &p, f64::abs))
}

/// sklearn `root_mean_squared_error`.
pub fn root_mean_squared_error<F: Copy + Into<f64>>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = pair("root_mean_squared_error", y_true, y_pred)?;
    Ok(mean_of(&t, &p, |d| d * d).sqrt())
}

/// sklearn `r2_score` (`force_finite=True`): NaN below two samples; a constant `y_true` gives 1.0 for
/// a perfect prediction and 0.0 otherwise.
pub fn r2_score<F: Copy + Into<f64>>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = pair("r2_score", y_true, y_pred)?;
    if t.len() < 2 {
        return Ok(f64::NAN);
    }
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let num: f64 = t.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
    let den: f64 = t.iter().map(|a| (a - mean) * (a - mean)).sum();
    Ok(match (num != 0.0, den != 0.0) {
        (_, true) => 1.0 - num / den,
        (true, false) => 0.0,
        (false, false) => 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MetricsError;

    #[test]
    fn sklearn_docstring_values() {
        let t = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        assert_eq!(mean_squared_error(&t, &p).unwrap(), 0.375);
        assert_eq!(mean_absolute_error(&t, &p).unwrap(), 0.5);
        assert!((root_mean_squared_error(&t, &p).unwrap() - 0.375f64.sqrt()).abs() < 1e-15);
        assert!((r2_score(&t, &p).unwrap() - 0.9486081370449679).abs() < 1e-15);
    }

    #[test]
    fn r2_edge_cases() {
        assert!(r2_score(&[1.0f32], &[1.0]).unwrap().is_nan());
        assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.0]).unwrap(), 1.0);
        assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 3.0]).unwrap(), 0.0);
        assert!(matches!(
            mean_squared_error(&[1.0, f64::INFINITY], &[1.0, 1.0]),
            Err(MetricsError::NonFinite { index: 1, .. })
        ));
        assert!(mean_absolute_error::<f64>(&[], &[]).is_err());
    }
}
