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

    /// Keras `Mean.update_state(values, sample_weight)` (`reduce_to_samplewise_values`): each
    /// weight covers a contiguous block of its sample's values (the weight's axes lead the
    /// values'); the sample adds the mean over its blocks of `weight × block mean` to the total
    /// and the mean of its weights to the count.
    pub(crate) fn add_weighted(&mut self, values: &[f64], shape: &[usize], weights: &[f32]) {
        let rows = shape.first().copied().unwrap_or(1).max(1);
        let (vper, wper) = (values.len() / rows, weights.len() / rows);
        // Shapes that do not fit are refused by `check_weights` before this is called.
        if wper == 0 || !weights.len().is_multiple_of(rows) || !vper.is_multiple_of(wper) {
            return;
        }
        let group = vper / wper;
        for i in 0..rows {
            let (mut t, mut c) = (0.0, 0.0);
            for j in 0..wper {
                let w = weights[i * wper + j] as f64;
                let block = &values[i * vper + j * group..i * vper + (j + 1) * group];
                t += w * block.iter().sum::<f64>() / group as f64;
                c += w;
            }
            self.total += t / wper as f64;
            self.count += c / wper as f64;
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

    #[test]
    fn weighted_mean_is_keras_reduce_to_samplewise_values() {
        // [B] values with [B] weights: sum(v*w) / sum(w).
        let mut m = MeanState::default();
        m.add_weighted(&[1.0, 0.0, 1.0], &[3], &[2.0, 1.0, 0.5]);
        assert!((m.result() - 2.5 / 3.5).abs() < 1e-7);
        // [B, T] values with [B] weights: each sample's mean times its weight.
        let mut m = MeanState::default();
        m.add_weighted(&[1.0, 0.0, 1.0, 1.0], &[2, 2], &[3.0, 1.0]);
        assert!((m.result() - (3.0 * 0.5 + 1.0) / 4.0).abs() < 1e-7);
        // [B, T] values with [B, T] weights: per sample mean_t(v*w) over mean_t(w).
        let mut m = MeanState::default();
        m.add_weighted(&[1.0, 0.0, 1.0, 1.0], &[2, 2], &[1.0, 3.0, 0.0, 2.0]);
        let total = (1.0 * 1.0 + 0.0) / 2.0 + (0.0 + 2.0) / 2.0;
        let count = (1.0 + 3.0) / 2.0 + (0.0 + 2.0) / 2.0;
        assert!((m.result() - (total / count) as f32).abs() < 1e-7);
    }
}
