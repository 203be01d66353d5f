//! `GRU`: Keras's gated recurrent unit (`keras.layers.GRU`), one fused tape node per call; the
//! cell math is `kerust_tensor::recurrent` (gates `z, r, h`, `reset_after` either way).
use super::config::RecurrentConfig;
use super::recurrent::{
    gate_activation, main_activation, write_gate_activation, CellKind, Recurrent,
};
use crate::activations::Activation;
use crate::error::Result;
use kerust_tensor::recurrent::Cell;
use serde_json::{json, Map, Value as Json};

/// Marker for the GRU cell of [`Recurrent`].
#[derive(Debug, Clone, Copy)]
pub struct GruCell;

/// Keras `GRU(units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
/// reset_after=True, dropout=0, recurrent_dropout=0, return_sequences=False, ...)`.
/// Weights: `kernel [in, 3u]`, `recurrent_kernel [u, 3u]`, `bias [2, 3u]` (or `[3u]` with
/// `reset_after=False`). Options and defaults: [`RecurrentConfig`].
pub type GRU = Recurrent<GruCell>;

impl CellKind for GruCell {
    const CLASS: &'static str = "GRU";
    fn cell(layer: &str, c: &RecurrentConfig) -> Result<Cell> {
        Ok(Cell::Gru {
            activation: main_activation(layer, c)?,
            recurrent_activation: gate_activation(layer, c)?,
            reset_after: c.reset_after,
        })
    }
    fn write_own_config(c: &RecurrentConfig, m: &mut Map<String, Json>) {
        write_gate_activation(c, m);
        m.insert("reset_after".into(), json!(c.reset_after));
    }
}

impl GRU {
    /// `GRU(units)` with Keras's defaults.
    pub fn new(units: usize) -> Self {
        Self::with_units(units)
    }
    /// Keras `recurrent_activation` (the gates').
    pub fn recurrent_activation(mut self, a: impl Into<Activation>) -> Self {
        self.config.recurrent_activation = a.into();
        self
    }
    /// Keras `reset_after`.
    pub fn reset_after(mut self, r: bool) -> Self {
        self.config.reset_after = r;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Layer;
    use crate::rnn::test_util::{
        check_chunking_is_invisible, check_gradients_with_states, check_training_gradients,
    };
    use crate::testing::{check_config_round_trip, check_layer_gradients};
    use kerust_tensor::{Rng, Tensor};

    #[test]
    fn lecture_parameter_counts() {
        let count = |l: GRU, d: usize| {
            let mut l = l;
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            l.count_params()
        };
        assert_eq!(count(GRU::new(64), 128), 37248);
        // reset_after=false: one bias row.
        assert_eq!(count(GRU::new(64).reset_after(false), 128), 37056);
    }

    #[test]
    fn gradients_all_modes() {
        for ra in [true, false] {
            check_layer_gradients(GRU::new(3).reset_after(ra), &[2, 4, 2]);
            check_layer_gradients(
                GRU::new(3).reset_after(ra).return_sequences(true),
                &[2, 4, 2],
            );
            check_layer_gradients(
                GRU::new(2)
                    .reset_after(ra)
                    .go_backwards(true)
                    .return_sequences(true)
                    .activation("relu")
                    .use_bias(false),
                &[2, 3, 2],
            );
            check_training_gradients(
                GRU::new(3)
                    .reset_after(ra)
                    .dropout(0.3)
                    .recurrent_dropout(0.4)
                    .return_sequences(true),
                &[3, 4, 2],
            );
            check_gradients_with_states(
                GRU::new(3)
                    .reset_after(ra)
                    .return_sequences(true)
                    .return_state(true),
                &[3, 4, 2],
                1,
                3,
            );
            check_gradients_with_states(
                GRU::new(2)
                    .reset_after(ra)
                    .zero_output_for_mask(true)
                    .go_backwards(true)
                    .return_sequences(true),
                &[3, 4, 2],
                1,
                2,
            );
        }
    }

    #[test]
    fn batch_chunks_give_the_bits_of_one_loop() {
        // 33 rows × 8 steps × 3·32² multiply-adds: several chunks on 4 threads.
        for ra in [true, false] {
            check_chunking_is_invisible(
                GRU::new(32)
                    .reset_after(ra)
                    .dropout(0.2)
                    .recurrent_dropout(0.3)
                    .return_sequences(true)
                    .return_state(true),
                &[33, 8, 4],
                1,
                32,
            );
            check_chunking_is_invisible(
                GRU::new(32)
                    .reset_after(ra)
                    .go_backwards(true)
                    .zero_output_for_mask(true),
                &[32, 8, 4],
                0,
                32,
            );
        }
    }

    #[test]
    fn config_round_trip() {
        check_config_round_trip(
            GRU::new(4)
                .reset_after(false)
                .return_state(true)
                .recurrent_dropout(0.1),
            GRU::from_config,
        );
    }
}
