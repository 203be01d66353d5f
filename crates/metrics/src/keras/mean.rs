//! The running mean behind Keras's `MeanMetricWrapper`: per-sample values, averaged over samples seen.

/// Running `total` and `count` (Keras `Mean`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct MeanState {
    total: f64,
    count: f64,
}

impl MeanState {
    /// Adds values of the given shape: a scalar counts as one sample, otherwise each entry of the first
    /// axis is one sample whose value is the mean over the remaining axes.
    pub(crate) fn add(&mut self, values: &[f64], shape: &[usize]) {
        match shape.first() {
            None => {
                self.total += values.first().copied().unwrap_or(0.0);
                self.count += 1.0;
            }
            Some(&rows) if rows > 0 => {
                let inner = values.len() / rows;
                for row in values.chunks(inner.max(1)) {
                    self.total += row.iter().sum::<f64>() / row.len() as f64;
                }
                self.count += rows as f64;
            }
            Some(_) => {}
        }
    }

    /// `total / count`, 0 before any sample (Keras `divide_no_nan`).
    pub(crate) fn result(&self) -> f32 {
        if self.count == 0.0 {
            0.0
        } else {
            (self.total / self.count) as f32
        }
    }

    pub(crate) fn reset(&mut self) {
        *self = MeanState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_samples_not_batches() {
        let mut m = MeanState::default();
        assert_eq!(m.result(), 0.0);
        m.add(&[1.0, 0.0, 1.0], &[3]);
        m.add(&[0.0], &[1]);
        assert_eq!(m.result(), 0.5);
        // A scalar (rank-0) value counts once, whatever batch produced it.
        m.add(&[1.0], &[]);
        assert_eq!(m.result(), 0.6);
        m.add(&[1.0, 0.0, 0.0, 0.0], &[2, 2]);
        assert!((m.result() - 3.5 / 7.0).abs() < 1e-7);
        m.reset();
        assert_eq!(m, MeanState::default());
    }
}
