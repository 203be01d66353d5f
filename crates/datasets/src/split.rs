//! `train_test_split` with scikit-learn's semantics: sizes, `random_state`, `shuffle`, `stratify`.
//!
//! With a seed the indices equal scikit-learn's (ShuffleSplit / StratifiedShuffleSplit drawn from
//! NumPy's legacy MT19937), checked against fixtures made with scikit-learn 1.9. Without a seed the
//! split is random, seeded from the clock, like `random_state=None`.

use crate::error::{DatasetsError, Result};
use crate::random_state::RandomState;

/// `test_size` / `train_size`: a fraction of the samples or an absolute count, as in scikit-learn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SplitSize {
    /// A fraction in (0, 1).
    Fraction(f64),
    /// An absolute number of samples.
    Count(usize),
}

impl From<f64> for SplitSize {
    fn from(v: f64) -> Self {
        SplitSize::Fraction(v)
    }
}

impl From<usize> for SplitSize {
    fn from(v: usize) -> Self {
        SplitSize::Count(v)
    }
}

/// Index sets of one split, in scikit-learn's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitIndices {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Builder mirroring `sklearn.model_selection.train_test_split` keyword arguments.
#[derive(Clone, Debug)]
pub struct TrainTestSplit<'a, L> {
    test_size: Option<SplitSize>,
    train_size: Option<SplitSize>,
    random_state: Option<u32>,
    shuffle: bool,
    stratify: Option<&'a [L]>,
}

impl<L> Default for TrainTestSplit<'_, L> {
    fn default() -> Self {
        TrainTestSplit {
            test_size: None,
            train_size: None,
            random_state: None,
            shuffle: true,
            stratify: None,
        }
    }
}

/// Shorthand for a split without stratification.
pub fn train_test_split<'a>() -> TrainTestSplit<'a, i64> {
    TrainTestSplit::default()
}

impl<'a, L: Ord + Clone> TrainTestSplit<'a, L> {
    /// A builder with scikit-learn defaults (`test_size=0.25` when neither size is given, `shuffle=True`).
    pub fn new() -> Self {
        Self::default()
    }

    /// `test_size`: fraction in (0, 1) or a count.
    pub fn test_size(mut self, v: impl Into<SplitSize>) -> Self {
        self.test_size = Some(v.into());
        self
    }

    /// `train_size`: fraction in (0, 1) or a count (default: the complement of `test_size`).
    pub fn train_size(mut self, v: impl Into<SplitSize>) -> Self {
        self.train_size = Some(v.into());
        self
    }

    /// `random_state`: an integer seed (NumPy accepts 0..2^32).
    pub fn random_state(mut self, seed: u32) -> Self {
        self.random_state = Some(seed);
        self
    }

    /// `shuffle`: `false` keeps order (train = first rows, test = the next ones); cannot be used with `stratify`.
    pub fn shuffle(mut self, v: bool) -> Self {
        self.shuffle = v;
        self
    }

    /// `stratify`: labels whose class proportions both parts keep.
    pub fn stratify<'b, M: Ord + Clone>(self, labels: &'b [M]) -> TrainTestSplit<'b, M>
    where
        'a: 'b,
    {
        TrainTestSplit {
            test_size: self.test_size,
            train_size: self.train_size,
            random_state: self.random_state,
            shuffle: self.shuffle,
            stratify: Some(labels),
        }
    }

    /// Computes the train/test indices for `n_samples` rows.
    pub fn split(&self, n_samples: usize) -> Result<SplitIndices> {
        let (n_train, n_test) = validate_sizes(n_samples, self.test_size, self.train_size)?;
        if !self.shuffle {
            if self.stratify.is_some() {
                return Err(DatasetsError::invalid(
                    "stratify",
                    "stratified train/test split is not implemented for shuffle=false (as in scikit-learn)",
                ));
            }
            return Ok(SplitIndices {
                train: (0..n_train).collect(),
                test: (n_train..n_train + n_test).collect(),
            });
        }
        let seed = self.random_state.unwrap_or_else(clock_seed);
        let mut rng = RandomState::new(seed);
        match self.stratify {
            None => {
                let perm = rng.permutation(n_samples);
                Ok(SplitIndices {
                    test: perm[..n_test].to_vec(),
                    train: perm[n_test..n_test + n_train].to_vec(),
                })
            }
            Some(labels) => {
                if labels.len() != n_samples {
                    return Err(DatasetsError::invalid(
                        "stratify",
                        format!("has {} labels for {n_samples} samples", labels.len()),
                    ));
                }
                stratified(labels, n_train, n_test, &mut rng)
            }
        }
    }

    /// Splits rows of an ndarray along axis 0, returning (train, test).
    pub fn split_array<T: Clone, D: ndarray::RemoveAxis>(
        &self,
        a: &ndarray::Array<T, D>,
    ) -> Result<(ndarray::Array<T, D>, ndarray::Array<T, D>)> {
        let idx = self.split(a.len_of(ndarray::Axis(0)))?;
        Ok((
            a.select(ndarray::Axis(0), &idx.train),
            a.select(ndarray::Axis(0), &idx.test),
        ))
    }
}

/// Seed for `random_state=None`.
fn clock_seed() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u32) ^ ((nanos >> 32) as u32)
}

/// scikit-learn's `_validate_shuffle_split`: resolves the two sizes to counts.
fn validate_sizes(
    n: usize,
    test: Option<SplitSize>,
    train: Option<SplitSize>,
) -> Result<(usize, usize)> {
    let test = match (test, train) {
        (None, None) => Some(SplitSize::Fraction(0.25)),
        (t, _) => t,
    };
    let check = |name: &'static str, s: SplitSize| -> Result<()> {
        match s {
            SplitSize::Fraction(f) if !(f > 0.0 && f < 1.0) => Err(DatasetsError::invalid(
                name,
                format!("{f} should be a fraction in (0, 1) or a count"),
            )),
            SplitSize::Count(c) if c == 0 || c >= n => Err(DatasetsError::invalid(
                name,
                format!("{c} should be in 1..{n} (the number of samples)"),
            )),
            _ => Ok(()),
        }
    };
    if let Some(t) = test {
        check("test_size", t)?;
    }
    if let Some(t) = train {
        check("train_size", t)?;
    }
    let n_test = match test {
        Some(SplitSize::Fraction(f)) => (f * n as f64).ceil() as usize,
        Some(SplitSize::Count(c)) => c,
        None => 0,
    };
    let n_train = match train {
        Some(SplitSize::Fraction(f)) => (f * n as f64).floor() as usize,
        Some(SplitSize::Count(c)) => c,
        None => n - n_test,
    };
    // With only train_size given, test is the complement.
    let n_test = if test.is_none() { n - n_train } else { n_test };
    if n_train + n_test > n {
        return Err(DatasetsError::invalid(
            "train_size",
            format!("train ({n_train}) + test ({n_test}) exceeds the {n} samples"),
        ));
    }
    if n_train == 0 {
        return Err(DatasetsError::invalid(
            "test_size",
            format!("with n_samples={n} the train set would be empty; lower test_size"),
        ));
    }
    Ok((n_train, n_test))
}

/// StratifiedShuffleSplit's first split, drawing from `rng` in scikit-learn's order.
fn stratified<L: Ord + Clone>(
    labels: &[L],
    n_train: usize,
    n_test: usize,
    rng: &mut RandomState,
) -> Result<SplitIndices> {
    let mut classes: Vec<L> = labels.to_vec();
    classes.sort();
    classes.dedup();
    // class_indices: rows of each class in ascending order (argsort with a stable sort).
    let mut class_indices: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for (row, l) in labels.iter().enumerate() {
        let c = classes.binary_search(l).unwrap_or(0);
        class_indices[c].push(row);
    }
    let counts: Vec<usize> = class_indices.iter().map(Vec::len).collect();
    if counts.iter().any(|&c| c < 2) {
        return Err(DatasetsError::invalid(
            "stratify",
            "the least populated class has only 1 member; every class needs at least 2",
        ));
    }
    if n_train < classes.len() || n_test < classes.len() {
        return Err(DatasetsError::invalid(
            "test_size",
            format!(
                "train ({n_train}) and test ({n_test}) sizes must each be at least the number of classes ({})",
                classes.len()
            ),
        ));
    }
    let n_i = approximate_mode(&counts, n_train, rng);
    let remaining: Vec<usize> = counts.iter().zip(&n_i).map(|(c, n)| c - n).collect();
    let t_i = approximate_mode(&remaining, n_test, rng);
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (c, rows) in class_indices.iter().enumerate() {
        let perm = rng.permutation(rows.len());
        let permuted: Vec<usize> = perm.iter().map(|&p| rows[p]).collect();
        train.extend_from_slice(&permuted[..n_i[c]]);
        test.extend_from_slice(&permuted[n_i[c]..n_i[c] + t_i[c]]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    Ok(SplitIndices { train, test })
}

/// scikit-learn's `_approximate_mode`: per-class draws proportional to counts, ties broken at random.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, f)| c - *f as f64)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..remainder.len())
                .filter(|&i| remainder[i] == value)
                .collect();
            let add_now = inds.len().min(need);
            for i in rng.choice_without_replacement(&inds, add_now) {
                floored[i] += 1;
            }
            need -= add_now;
            if need == 0 {
                break;
            }
        }
    }
    floored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_sklearn_rounding() {
        assert_eq!(validate_sizes(10, Some(0.25.into()), None).unwrap(), (7, 3));
        assert_eq!(
            validate_sizes(1000, Some(0.1.into()), None).unwrap(),
            (900, 100)
        );
        assert_eq!(validate_sizes(10, None, None).unwrap(), (7, 3));
        assert_eq!(validate_sizes(10, None, Some(0.5.into())).unwrap(), (5, 5));
        assert!(validate_sizes(10, Some(1.5.into()), None).is_err());
        assert!(validate_sizes(10, Some(10usize.into()), None).is_err());
    }

    #[test]
    fn no_shuffle_keeps_order() {
        let s = train_test_split()
            .test_size(0.2)
            .shuffle(false)
            .split(10)
            .unwrap();
        assert_eq!(s.train, (0..8).collect::<Vec<_>>());
        assert_eq!(s.test, vec![8, 9]);
    }

    #[test]
    fn stratified_keeps_proportions() {
        let labels: Vec<i64> = (0..100).map(|i| i64::from(i % 4 == 0)).collect();
        let s = TrainTestSplit::<i64>::new()
            .test_size(0.2)
            .random_state(0)
            .stratify(&labels)
            .split(100)
            .unwrap();
        let pos_test = s.test.iter().filter(|&&i| labels[i] == 1).count();
        assert_eq!(s.test.len(), 20);
        assert_eq!(pos_test, 5);
        let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }
}
