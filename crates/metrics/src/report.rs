//! `classification_report`: sklearn's text table of per-class precision/recall/F1/support and averages.

use crate::error::{MetricsError, Result};
use crate::label::{check_pair, unique_labels, Label};
use crate::prfs::{Average, Counts, PrfOptions, ZeroDivision};

/// Keyword arguments of `classification_report`, sklearn defaults (`digits=2`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions<T> {
    labels: Option<Vec<T>>,
    target_names: Option<Vec<String>>,
    digits: usize,
    zero_division: ZeroDivision,
}

impl<T: Label> Default for ReportOptions<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Label> ReportOptions<T> {
    /// `labels=None, target_names=None, digits=2, zero_division="warn"`.
    pub fn new() -> Self {
        ReportOptions {
            labels: None,
            target_names: None,
            digits: 2,
            zero_division: ZeroDivision::Warn,
        }
    }

    /// The labels to report, in this order.
    pub fn labels(mut self, labels: &[T]) -> Self {
        self.labels = Some(labels.to_vec());
        self
    }

    /// Display names, one per label.
    pub fn target_names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.target_names = Some(names.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }

    /// Decimal places of the scores.
    pub fn digits(mut self, digits: usize) -> Self {
        self.digits = digits;
        self
    }

    /// What an undefined ratio becomes.
    pub fn zero_division(mut self, zero_division: ZeroDivision) -> Self {
        self.zero_division = zero_division;
        self
    }
}

/// Right-aligns `s` in `width` characters (Python `{:>width}` counts code points).
fn right(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{}{}", " ".repeat(width.saturating_sub(n)), s)
}

/// The report text, byte-for-byte like sklearn's `classification_report(..., output_dict=False)`.
pub fn classification_report<T: Label>(
    y_true: &[T],
    y_pred: &[T],
    opts: &ReportOptions<T>,
) -> Result<String> {
    check_pair("classification_report", y_true, y_pred)?;
    let present = unique_labels(y_true, y_pred);
    let (labels, labels_given) = match &opts.labels {
        Some(l) if l.is_empty() => {
            return Err(MetricsError::EmptyLabels {
                what: "classification_report",
            })
        }
        Some(l) => (l.clone(), true),
        None => (present.clone(), false),
    };
    // The micro row is called "accuracy" when every present label is reported.
    let micro_is_accuracy = !labels_given || present.iter().all(|p| labels.contains(p));
    let target_names: Vec<String> = match &opts.target_names {
        // sklearn only warns when explicit labels and names differ in length, then zips (truncates).
        Some(names) if names.len() != labels.len() && !labels_given => {
            return Err(MetricsError::TargetNamesMismatch {
                n_labels: labels.len(),
                n_names: names.len(),
            })
        }
        Some(names) => names.clone(),
        None => labels.iter().map(|l| l.to_string()).collect(),
    };
    let base = PrfOptions::new()
        .labels(&labels)
        .zero_division(opts.zero_division)
        .average(None);
    let counts = Counts::new("classification_report", y_true, y_pred, &base)?;
    let pc = counts.per_class();
    let digits = opts.digits;
    let name_width = target_names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    let width = name_width.max("weighted avg".len()).max(digits);
    let mut out = right("", width) + " ";
    for h in ["precision", "recall", "f1-score", "support"] {
        out += &format!(" {h:>9}");
    }
    out += "\n\n";
    let row = |name: &str, p: f64, r: f64, f: f64, s: u64| -> String {
        format!(
            "{}  {:>9.d$} {:>9.d$} {:>9.d$} {:>9}\n",
            right(name, width),
            p,
            r,
            f,
            s,
            d = digits
        )
    };
    // zip stops at the shorter of names and labels, like Python's zip.
    for (i, name) in target_names.iter().take(pc.labels.len()).enumerate() {
        out += &row(
            name,
            pc.precision[i],
            pc.recall[i],
            pc.fbeta_score[i],
            pc.support[i],
        );
    }
    out += "\n";
    let total: u64 = pc.support.iter().sum();
    for avg in [Average::Micro, Average::Macro, Average::Weighted] {
        let a = counts.averaged(avg);
        if avg == Average::Micro && micro_is_accuracy {
            out += &format!(
                "{}  {:>9} {:>9} {:>9.d$} {:>9}\n",
                right("accuracy", width),
                "",
                "",
                a.fbeta_score,
                total,
                d = digits
            );
        } else {
            out += &row(
                &format!("{avg} avg"),
                a.precision,
                a.recall,
                a.fbeta_score,
                total,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_docstring_report() {
        let opts = ReportOptions::new().target_names(&["class 0", "class 1", "class 2"]);
        let r = classification_report(&[0i64, 1, 2, 2, 2], &[0, 0, 2, 2, 1], &opts).unwrap();
        let expected = "              precision    recall  f1-score   support

     class 0       0.50      1.00      0.67         1
     class 1       0.00      0.00      0.00         1
     class 2       1.00      0.67      0.80         3

    accuracy                           0.60         5
   macro avg       0.50      0.56      0.49         5
weighted avg       0.70      0.60      0.61         5
";
        assert_eq!(r, expected);
    }

    #[test]
    fn subset_labels_give_micro_avg_row() {
        let opts = ReportOptions::new().labels(&[1i64, 2, 3]);
        let r = classification_report(&[1i64, 2, 3, 4], &[1, 2, 3, 4], &opts).unwrap();
        assert!(r.contains("   micro avg       1.00      1.00      1.00         3\n"));
        let bad = ReportOptions::new().target_names(&["a"]);
        assert!(matches!(
            classification_report(&[0i64, 1], &[0, 1], &bad),
            Err(MetricsError::TargetNamesMismatch {
                n_labels: 2,
                n_names: 1
            })
        ));
    }
}
