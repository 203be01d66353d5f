//! Keras `AUC`: confusion counts at evenly spaced thresholds, then a Riemann sum of the curve.

use std::str::FromStr;

use crate::error::{MetricsError, Result};
use crate::keras::batch::{align, Batch};
use crate::keras::metric::{non_empty, Metric};

/// Largest `num_thresholds` accepted (the state holds four vectors of this length).
const MAX_THRESHOLDS: usize = 1 << 24;

/// Which curve the area is taken under (Keras `curve=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AUCCurve {
    /// Recall against false positive rate.
    ROC,
    /// Precision against recall.
    PR,
    /// Precision gain against recall gain.
    PRGAIN,
}

impl FromStr for AUCCurve {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_lowercase().as_str() {
            "roc" => Ok(AUCCurve::ROC),
            "pr" => Ok(AUCCurve::PR),
            "prgain" => Ok(AUCCurve::PRGAIN),
            _ => Err(MetricsError::BadOption {
                what: "AUC",
                name: "curve",
                got: s.to_string(),
                expected: "\"ROC\", \"PR\", \"PRGAIN\"",
            }),
        }
    }
}

/// How each interval's height is chosen (Keras `summation_method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AUCSummationMethod {
    /// Trapezoids (ROC) or Davis & Goadrich interpolation (PR).
    Interpolation,
    /// Left/right minimum.
    Minoring,
    /// Left/right maximum.
    Majoring,
}

impl FromStr for AUCSummationMethod {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_lowercase().as_str() {
            "interpolation" => Ok(AUCSummationMethod::Interpolation),
            "minoring" => Ok(AUCSummationMethod::Minoring),
            "majoring" => Ok(AUCSummationMethod::Majoring),
            _ => Err(MetricsError::BadOption {
                what: "AUC",
                name: "summation_method",
                got: s.to_string(),
                expected: "\"interpolation\", \"minoring\", \"majoring\"",
            }),
        }
    }
}

/// Keras `AUC` (single label): default `num_thresholds=200`, `curve="ROC"`,
/// `summation_method="interpolation"`.
#[derive(Debug, Clone, PartialEq)]
pub struct AUC {
    name: String,
    num_thresholds: usize,
    curve: AUCCurve,
    summation_method: AUCSummationMethod,
    from_logits: bool,
    tp: Vec<f64>,
    fp: Vec<f64>,
    tn: Vec<f64>,
    fn_: Vec<f64>,
}

impl Default for AUC {
    fn default() -> Self {
        Self::new()
    }
}

/// `a / b`, 0 when `b == 0` (Keras `divide_no_nan`).
fn div(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

impl AUC {
    /// Keras defaults, named `"auc"`.
    pub fn new() -> Self {
        let n = 200;
        AUC {
            name: "auc".to_string(),
            num_thresholds: n,
            curve: AUCCurve::ROC,
            summation_method: AUCSummationMethod::Interpolation,
            from_logits: false,
            tp: vec![0.0; n],
            fp: vec![0.0; n],
            tn: vec![0.0; n],
            fn_: vec![0.0; n],
        }
    }

    /// Renames the metric (Keras `name=`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Number of thresholds, > 1 (Keras `num_thresholds=`); resets the state.
    pub fn num_thresholds(mut self, num_thresholds: usize) -> Result<Self> {
        if num_thresholds <= 1 || num_thresholds > MAX_THRESHOLDS {
            return Err(MetricsError::BadArgument {
                what: "AUC",
                name: "num_thresholds",
                constraint: "an integer > 1 (and at most 2^24)",
                value: num_thresholds.to_string(),
            });
        }
        self.num_thresholds = num_thresholds;
        self.reset_state();
        Ok(self)
    }

    /// The curve (Keras `curve=`).
    pub fn curve(mut self, curve: AUCCurve) -> Self {
        self.curve = curve;
        self
    }

    /// The summation method (Keras `summation_method=`).
    pub fn summation_method(mut self, summation_method: AUCSummationMethod) -> Self {
        self.summation_method = summation_method;
        self
    }

    /// Apply a sigmoid to `y_pred` first (Keras `from_logits=`).
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.from_logits = from_logits;
        self
    }

    /// Keras's thresholds: `-eps`, `i / (n - 1)` for `i = 1..n-2`, `1 + eps`.
    pub fn thresholds(&self) -> Vec<f64> {
        let n = self.num_thresholds;
        let eps = 1e-7;
        let mut t = vec![-eps];
        t.extend((0..n - 2).map(|i| (i + 1) as f64 / (n - 1) as f64));
        t.push(1.0 + eps);
        t
    }

    /// Davis & Goadrich interpolated area under the PR curve (Keras `interpolate_pr_auc`).
    fn interpolate_pr_auc(&self) -> f64 {
        let n = self.num_thresholds;
        let p: Vec<f64> = self.tp.iter().zip(&self.fp).map(|(a, b)| a + b).collect();
        let mut area = 0.0;
        for i in 0..n - 1 {
            let dtp = self.tp[i] - self.tp[i + 1];
            let dp = p[i] - p[i + 1];
            let slope = div(dtp, dp.max(0.0));
            let intercept = self.tp[i + 1] - slope * p[i + 1];
            let ratio = if p[i] > 0.0 && p[i + 1] > 0.0 {
                div(p[i], p[i + 1].max(0.0))
            } else {
                1.0
            };
            area += div(
                slope * (dtp + intercept * ratio.ln()),
                (self.tp[i + 1] + self.fn_[i + 1]).max(0.0),
            );
        }
        area
    }
}

impl Metric for AUC {
    fn name(&self) -> &str {
        &self.name
    }

    fn update_state(&mut self, y_true: &Batch<'_>, y_pred: &Batch<'_>) -> Result<()> {
        let what = "AUC";
        non_empty(what, y_true, y_pred)?;
        let (p_shape, t_shape) = align(y_pred.shape(), y_true.shape());
        if p_shape != t_shape {
            return Err(MetricsError::ShapeMismatch {
                what,
                y_true: y_true.shape().to_vec(),
                y_pred: y_pred.shape().to_vec(),
                hint: "pass one target per prediction (shapes may differ only by a trailing axis of 1)",
            });
        }
        let n = self.num_thresholds;
        let mut pos_bucket = vec![0.0f64; n];
        let mut neg_bucket = vec![0.0f64; n];
        let scale = (n - 1) as f32;
        for (t, p) in y_true.data().iter().zip(y_pred.data()) {
            let p = if self.from_logits {
                1.0 / (1.0 + (-p).exp())
            } else {
                *p
            };
            // Keras's bucketing in float32: prediction > threshold[i] exactly when bucket >= i.
            let bucket = ((p.clamp(0.0, 1.0) * scale).ceil() - 1.0).max(0.0) as usize;
            let bucket = bucket.min(n - 1);
            if *t != 0.0 {
                pos_bucket[bucket] += 1.0;
            } else {
                neg_bucket[bucket] += 1.0;
            }
        }
        let total_pos: f64 = pos_bucket.iter().sum();
        let total_neg: f64 = neg_bucket.iter().sum();
        let (mut tp, mut fp) = (0.0, 0.0);
        for i in (0..n).rev() {
            tp += pos_bucket[i];
            fp += neg_bucket[i];
            self.tp[i] += tp;
            self.fp[i] += fp;
            self.tn[i] += total_neg - fp;
            self.fn_[i] += total_pos - tp;
        }
        Ok(())
    }

    fn result(&self) -> f32 {
        let n = self.num_thresholds;
        if self.curve == AUCCurve::PR && self.summation_method == AUCSummationMethod::Interpolation
        {
            return self.interpolate_pr_auc() as f32;
        }
        let recall: Vec<f64> = (0..n)
            .map(|i| div(self.tp[i], self.tp[i] + self.fn_[i]))
            .collect();
        let (x, y): (Vec<f64>, Vec<f64>) = match self.curve {
            AUCCurve::ROC => {
                let fpr = (0..n)
                    .map(|i| div(self.fp[i], self.fp[i] + self.tn[i]))
                    .collect();
                (fpr, recall)
            }
            AUCCurve::PR => {
                let precision = (0..n)
                    .map(|i| div(self.tp[i], self.tp[i] + self.fp[i]))
                    .collect();
                (recall, precision)
            }
            AUCCurve::PRGAIN => {
                let mut rg = Vec::with_capacity(n);
                let mut pg = Vec::with_capacity(n);
                for i in 0..n {
                    let scaling = div(self.tp[i] + self.fn_[i], self.tn[i] + self.fp[i]);
                    let (r, p) = if self.tp[i] == 0.0 {
                        (0.0, 1.0)
                    } else {
                        (
                            1.0 - scaling * div(self.fn_[i], self.tp[i]),
                            1.0 - scaling * div(self.fp[i], self.tp[i]),
                        )
                    };
                    rg.push(f64::max(r, 0.0));
                    pg.push(p);
                }
                (rg, pg)
            }
        };
        let mut area = 0.0;
        for i in 0..n - 1 {
            let h = match self.summation_method {
                AUCSummationMethod::Interpolation => (y[i] + y[i + 1]) / 2.0,
                AUCSummationMethod::Minoring => y[i].min(y[i + 1]),
                AUCSummationMethod::Majoring => y[i].max(y[i + 1]),
            };
            area += (x[i] - x[i + 1]) * h;
        }
        area as f32
    }

    fn reset_state(&mut self) {
        let n = self.num_thresholds;
        for v in [&mut self.tp, &mut self.fp, &mut self.tn, &mut self.fn_] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_docstring_value() {
        // keras.metrics.AUC docstring: num_thresholds=3 on [0, 0, 1, 1] vs [0, 0.5, 0.3, 0.9] gives 0.75.
        let mut m = AUC::new().num_thresholds(3).unwrap();
        m.update_state(
            &Batch::vector(&[0.0, 0.0, 1.0, 1.0]),
            &Batch::vector(&[0.0, 0.5, 0.3, 0.9]),
        )
        .unwrap();
        assert!((m.result() - 0.75).abs() < 1e-7);
        assert_eq!(m.thresholds().len(), 3);
        m.reset_state();
        assert_eq!(m.result(), 0.0);
    }

    #[test]
    fn separable_scores_give_one_and_options_parse() {
        let mut m = AUC::new();
        assert_eq!(Metric::name(&m), "auc");
        m.update_state(&Batch::vector(&[0.0, 1.0]), &Batch::vector(&[0.1, 0.9]))
            .unwrap();
        assert!((m.result() - 1.0).abs() < 1e-6);
        assert!(AUC::new().num_thresholds(1).is_err());
        assert_eq!("pr".parse::<AUCCurve>().unwrap(), AUCCurve::PR);
        assert!("foo".parse::<AUCSummationMethod>().is_err());
    }
}
