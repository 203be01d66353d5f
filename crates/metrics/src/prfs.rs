//! Precision, recall, F-beta and support with scikit-learn's `precision_recall_fscore_support` semantics.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::{MetricsError, Result};
use crate::label::{check_pair, fmt_labels, unique_labels, Label};

/// How per-class scores are combined (sklearn's `average`; `None` is expressed as `Option::None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// Only the `pos_label` class; the target must have at most two labels.
    Binary,
    /// Global counts of true positives, false negatives and false positives.
    Micro,
    /// Unweighted mean of the per-class scores.
    Macro,
    /// Mean of the per-class scores weighted by support.
    Weighted,
}

impl FromStr for Average {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "binary" => Ok(Average::Binary),
            "micro" => Ok(Average::Micro),
            "macro" => Ok(Average::Macro),
            "weighted" => Ok(Average::Weighted),
            other => Err(MetricsError::BadAverage {
                got: other.to_string(),
                hint: if other == "samples" {
                    " ('samples' needs multilabel targets, which this crate does not take)"
                } else {
                    ""
                },
            }),
        }
    }
}

impl fmt::Display for Average {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Average::Binary => "binary",
            Average::Micro => "micro",
            Average::Macro => "macro",
            Average::Weighted => "weighted",
        })
    }
}

/// The value used when a ratio has a zero denominator (sklearn's `zero_division`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroDivision {
    /// sklearn's default: acts as 0 (sklearn also emits a warning; this crate stays silent).
    #[default]
    Warn,
    /// 0.0.
    Zero,
    /// 1.0.
    One,
    /// NaN; NaN scores are left out of macro/weighted averages.
    Nan,
}

impl ZeroDivision {
    /// The number substituted for an undefined ratio.
    pub fn value(self) -> f64 {
        match self {
            ZeroDivision::Warn | ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::Nan => f64::NAN,
        }
    }
}

impl FromStr for ZeroDivision {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "warn" => Ok(ZeroDivision::Warn),
            "0" | "0.0" => Ok(ZeroDivision::Zero),
            "1" | "1.0" => Ok(ZeroDivision::One),
            "nan" | "NaN" => Ok(ZeroDivision::Nan),
            other => Err(MetricsError::BadZeroDivision {
                got: other.to_string(),
            }),
        }
    }
}

/// Keyword arguments of the precision/recall/F family, sklearn defaults
/// (`average="binary"`, `pos_label=1`, `zero_division="warn"`, `beta=1`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrfOptions<T> {
    beta: f64,
    labels: Option<Vec<T>>,
    pos_label: T,
    average: Option<Average>,
    zero_division: ZeroDivision,
}

impl<T: Label> Default for PrfOptions<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Label> PrfOptions<T> {
    /// sklearn's defaults for `precision_score`, `recall_score`, `f1_score`.
    pub fn new() -> Self {
        PrfOptions {
            beta: 1.0,
            labels: None,
            pos_label: T::from(1u8),
            average: Some(Average::Binary),
            zero_division: ZeroDivision::Warn,
        }
    }

    /// Weight of recall against precision in the F-score (used by `precision_recall_fscore_support`).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// The labels to score, in this order (default: sorted union of `y_true` and `y_pred`).
    pub fn labels(mut self, labels: &[T]) -> Self {
        self.labels = Some(labels.to_vec());
        self
    }

    /// The positive class for `average="binary"`.
    pub fn pos_label(mut self, pos_label: T) -> Self {
        self.pos_label = pos_label;
        self
    }

    /// `Average::…` or `None` for per-class scores.
    pub fn average(mut self, average: impl Into<Option<Average>>) -> Self {
        self.average = average.into();
        self
    }

    /// What an undefined ratio becomes.
    pub fn zero_division(mut self, zero_division: ZeroDivision) -> Self {
        self.zero_division = zero_division;
        self
    }
}

/// Per-class arrays, in the order of `labels`.
#[derive(Debug, Clone, PartialEq)]
pub struct PerClassScores<T> {
    pub labels: Vec<T>,
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub fbeta_score: Vec<f64>,
    /// Number of occurrences of each label in `y_true`.
    pub support: Vec<u64>,
}

/// Averaged scores (sklearn returns `support=None` with an average).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AveragedScores {
    pub precision: f64,
    pub recall: f64,
    pub fbeta_score: f64,
}

/// What `precision_recall_fscore_support` returns: arrays for `average=None`, numbers otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Prfs<T> {
    PerClass(PerClassScores<T>),
    Averaged(AveragedScores),
}

/// Which labels are scored, after sklearn's `_check_set_wise_labels`.
fn resolve_labels<T: Label>(y_true: &[T], y_pred: &[T], opts: &PrfOptions<T>) -> Result<Vec<T>> {
    let present = unique_labels(y_true, y_pred);
    if opts.average == Some(Average::Binary) {
        // sklearn calls a target "binary" when the union of labels has at most two values.
        if present.len() > 2 {
            return Err(MetricsError::MulticlassWithBinaryAverage {
                labels: fmt_labels(&present),
            });
        }
        if !present.contains(&opts.pos_label) && present.len() >= 2 {
            return Err(MetricsError::BadPosLabel {
                pos_label: opts.pos_label.to_string(),
                labels: fmt_labels(&present),
            });
        }
        return Ok(vec![opts.pos_label]);
    }
    match &opts.labels {
        Some(l) if l.is_empty() => Err(MetricsError::EmptyLabels {
            what: "precision_recall_fscore_support",
        }),
        Some(l) => Ok(l.clone()),
        None => Ok(present),
    }
}

/// Per-label counts of true positives, predictions and true occurrences.
fn counts<T: Label>(y_true: &[T], y_pred: &[T], labels: &[T]) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    let mut tp: BTreeMap<T, u64> = BTreeMap::new();
    let mut pred: BTreeMap<T, u64> = BTreeMap::new();
    let mut truth: BTreeMap<T, u64> = BTreeMap::new();
    for (t, p) in y_true.iter().zip(y_pred) {
        *truth.entry(*t).or_default() += 1;
        *pred.entry(*p).or_default() += 1;
        if t == p {
            *tp.entry(*t).or_default() += 1;
        }
    }
    let pick = |m: &BTreeMap<T, u64>| -> Vec<u64> {
        labels
            .iter()
            .map(|l| m.get(l).copied().unwrap_or(0))
            .collect()
    };
    (pick(&tp), pick(&pred), pick(&truth))
}

/// Element-wise ratio; a zero denominator gives the `zero_division` value (sklearn `_prf_divide`).
fn divide(num: &[f64], den: &[f64], zd: ZeroDivision) -> Vec<f64> {
    num.iter()
        .zip(den)
        .map(|(n, d)| if *d == 0.0 { zd.value() } else { n / d })
        .collect()
}

/// Weighted mean ignoring NaN entries (sklearn `_nanaverage`); all-zero weights fall back to the plain mean.
fn nan_average(values: &[f64], weights: Option<&[f64]>) -> f64 {
    let kept: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .map(|(i, v)| (*v, weights.map_or(1.0, |w| w[i])))
        .collect();
    if kept.is_empty() {
        return f64::NAN;
    }
    let wsum: f64 = kept.iter().map(|(_, w)| w).sum();
    if wsum == 0.0 {
        return kept.iter().map(|(v, _)| v).sum::<f64>() / kept.len() as f64;
    }
    kept.iter().map(|(v, w)| v * w).sum::<f64>() / wsum
}

/// Per-label counts after label resolution; every score derives from these.
#[derive(Debug, Clone)]
pub(crate) struct Counts<T> {
    labels: Vec<T>,
    tp: Vec<f64>,
    pred: Vec<f64>,
    truth: Vec<f64>,
    support: Vec<u64>,
    beta: f64,
    zero_division: ZeroDivision,
}

impl<T: Label> Counts<T> {
    /// Validates the inputs and counts, following sklearn's label rules for `opts.average`.
    pub(crate) fn new(
        what: &'static str,
        y_true: &[T],
        y_pred: &[T],
        opts: &PrfOptions<T>,
    ) -> Result<Self> {
        check_pair(what, y_true, y_pred)?;
        let beta = opts.beta;
        if beta.is_nan() || beta < 0.0 {
            return Err(MetricsError::BadArgument {
                what,
                name: "beta",
                constraint: ">= 0",
                value: beta.to_string(),
            });
        }
        let labels = resolve_labels(y_true, y_pred, opts)?;
        let (tp, pred, truth) = counts(y_true, y_pred, &labels);
        let as_f = |v: &[u64]| -> Vec<f64> { v.iter().map(|x| *x as f64).collect() };
        Ok(Counts {
            tp: as_f(&tp),
            pred: as_f(&pred),
            truth: as_f(&truth),
            support: truth,
            labels,
            beta,
            zero_division: opts.zero_division,
        })
    }

    /// Precision, recall and F-beta from count vectors (sklearn's three `_prf_divide` calls).
    fn ratios(&self, tp: &[f64], pred: &[f64], truth: &[f64]) -> [Vec<f64>; 3] {
        let zd = self.zero_division;
        let precision = divide(tp, pred, zd);
        let recall = divide(tp, truth, zd);
        let beta = self.beta;
        let fbeta = if beta.is_infinite() {
            recall.clone()
        } else if beta == 0.0 {
            precision.clone()
        } else {
            // (1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp), the form sklearn uses since 1.3.
            let b2 = beta * beta;
            let num: Vec<f64> = tp.iter().map(|t| (1.0 + b2) * t).collect();
            let den: Vec<f64> = truth.iter().zip(pred).map(|(t, p)| b2 * t + p).collect();
            divide(&num, &den, zd)
        };
        [precision, recall, fbeta]
    }

    /// Scores per label (`average=None`).
    pub(crate) fn per_class(&self) -> PerClassScores<T> {
        let [precision, recall, fbeta_score] = self.ratios(&self.tp, &self.pred, &self.truth);
        PerClassScores {
            labels: self.labels.clone(),
            precision,
            recall,
            fbeta_score,
            support: self.support.clone(),
        }
    }

    /// Scores combined with `average`.
    pub(crate) fn averaged(&self, average: Average) -> AveragedScores {
        let [precision, recall, fbeta] = if average == Average::Micro {
            let sum = |v: &[f64]| vec![v.iter().sum::<f64>()];
            self.ratios(&sum(&self.tp), &sum(&self.pred), &sum(&self.truth))
        } else {
            self.ratios(&self.tp, &self.pred, &self.truth)
        };
        let weights = (average == Average::Weighted).then_some(self.truth.as_slice());
        AveragedScores {
            precision: nan_average(&precision, weights),
            recall: nan_average(&recall, weights),
            fbeta_score: nan_average(&fbeta, weights),
        }
    }
}

/// Precision, recall, F-beta and support, exactly as sklearn's `precision_recall_fscore_support`.
///
/// Note sklearn's default `average` here is `None`: pass `PrfOptions::new().average(None)` for
/// per-class arrays.
pub fn precision_recall_fscore_support<T: Label>(
    y_true: &[T],
    y_pred: &[T],
    opts: &PrfOptions<T>,
) -> Result<Prfs<T>> {
    let c = Counts::new("precision_recall_fscore_support", y_true, y_pred, opts)?;
    Ok(match opts.average {
        None => Prfs::PerClass(c.per_class()),
        Some(avg) => Prfs::Averaged(c.averaged(avg)),
    })
}

/// Averaged scores, or `AverageRequired` when `average` is `None`.
fn averaged<T: Label>(
    what: &'static str,
    y_true: &[T],
    y_pred: &[T],
    opts: &PrfOptions<T>,
) -> Result<AveragedScores> {
    let c = Counts::new(what, y_true, y_pred, opts)?;
    match opts.average {
        Some(avg) => Ok(c.averaged(avg)),
        None => Err(MetricsError::AverageRequired { what }),
    }
}

/// sklearn `precision_score` (default `average="binary"`).
pub fn precision_score<T: Label>(y_true: &[T], y_pred: &[T], opts: &PrfOptions<T>) -> Result<f64> {
    Ok(averaged("precision_score", y_true, y_pred, opts)?.precision)
}

/// sklearn `recall_score` (default `average="binary"`).
pub fn recall_score<T: Label>(y_true: &[T], y_pred: &[T], opts: &PrfOptions<T>) -> Result<f64> {
    Ok(averaged("recall_score", y_true, y_pred, opts)?.recall)
}

/// sklearn `f1_score` (default `average="binary"`); the `beta` option is ignored.
pub fn f1_score<T: Label>(y_true: &[T], y_pred: &[T], opts: &PrfOptions<T>) -> Result<f64> {
    let opts = opts.clone().beta(1.0);
    Ok(averaged("f1_score", y_true, y_pred, &opts)?.fbeta_score)
}

/// sklearn `fbeta_score` with the given `beta`.
pub fn fbeta_score<T: Label>(
    y_true: &[T],
    y_pred: &[T],
    beta: f64,
    opts: &PrfOptions<T>,
) -> Result<f64> {
    let opts = opts.clone().beta(beta);
    Ok(averaged("fbeta_score", y_true, y_pred, &opts)?.fbeta_score)
}

#[cfg(test)]
mod tests {
    use super::*;

    // sklearn docstring example of precision_recall_fscore_support.
    const T: [i64; 6] = [0, 1, 2, 0, 1, 2];
    const P: [i64; 6] = [0, 2, 1, 0, 0, 1];

    #[test]
    fn sklearn_docstring_averages() {
        let o = PrfOptions::new();
        let macro_ = precision_recall_fscore_support(&T, &P, &o.clone().average(Average::Macro));
        let Ok(Prfs::Averaged(m)) = macro_ else {
            panic!("expected averaged scores")
        };
        assert!((m.precision - 0.2222222222222222).abs() < 1e-15);
        assert!((m.recall - 0.3333333333333333).abs() < 1e-15);
        assert!((m.fbeta_score - 0.26666666666666666).abs() < 1e-15);
        let micro = f1_score(&T, &P, &o.clone().average(Average::Micro)).unwrap();
        assert!((micro - 1.0 / 3.0).abs() < 1e-15);
        let w = f1_score(&T, &P, &o.clone().average(Average::Weighted)).unwrap();
        assert!((w - 0.26666666666666666).abs() < 1e-15);
    }

    #[test]
    fn per_class_and_support() {
        let r = precision_recall_fscore_support(&T, &P, &PrfOptions::new().average(None)).unwrap();
        let Prfs::PerClass(pc) = r else {
            panic!("expected per-class scores")
        };
        assert_eq!(pc.labels, vec![0, 1, 2]);
        assert_eq!(pc.support, vec![2, 2, 2]);
        assert!((pc.precision[0] - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(pc.recall, vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn binary_rules() {
        let o = PrfOptions::new();
        assert!(matches!(
            precision_score(&T, &P, &o),
            Err(MetricsError::MulticlassWithBinaryAverage { .. })
        ));
        assert!(matches!(
            precision_score(&[0i64, 2], &[2, 0], &o),
            Err(MetricsError::BadPosLabel { .. })
        ));
        // Only negatives anywhere: pos_label is absent, precision is 0/0.
        assert_eq!(precision_score(&[0i64, 0], &[0, 0], &o).unwrap(), 0.0);
        let one = o.clone().zero_division(ZeroDivision::One);
        assert_eq!(precision_score(&[0i64, 0], &[0, 0], &one).unwrap(), 1.0);
        assert!(matches!(
            precision_score(&[0i64], &[0], &o.clone().average(None)),
            Err(MetricsError::AverageRequired { .. })
        ));
        assert!(fbeta_score(&[0i64, 1], &[1, 1], -1.0, &o).is_err());
    }

    #[test]
    fn parsing_and_nan_average() {
        assert_eq!("weighted".parse::<Average>().unwrap(), Average::Weighted);
        assert!("samples".parse::<Average>().is_err());
        assert_eq!("nan".parse::<ZeroDivision>().unwrap(), ZeroDivision::Nan);
        assert!("2".parse::<ZeroDivision>().is_err());
        assert_eq!(nan_average(&[1.0, f64::NAN, 0.0], None), 0.5);
        assert_eq!(nan_average(&[1.0, 0.0], Some(&[0.0, 0.0])), 0.5);
        assert!(nan_average(&[f64::NAN], None).is_nan());
    }
}
