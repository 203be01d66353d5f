//! `SimpleRNN`: Keras's fully connected recurrent layer (`keras.layers.SimpleRNN`),
//! `h_t = activation(x_t·W + h_{t-1}·U + b)`, one fused tape node per call.
use super::config::RecurrentConfig;
use super::recurrent::{main_activation, CellKind, Recurrent};
use crate::error::Result;
use kerust_tensor::recurrent::Cell;
use serde_json::{Map, Value as Json};

/// Marker for the SimpleRNN cell of [`Recurrent`].
#[derive(Debug, Clone, Copy)]
pub struct SimpleRnnCell;

/// Keras `SimpleRNN(units, activation="tanh", use_bias=True, dropout=0, recurrent_dropout=0,
/// return_sequences=False, ...)`. Weights: `kernel [in, u]`, `recurrent_kernel [u, u]`,
/// `bias [u]`. Options and defaults: [`RecurrentConfig`].
pub type SimpleRNN = Recurrent<SimpleRnnCell>;

impl CellKind for SimpleRnnCell {
    const CLASS: &'static str = "SimpleRNN";
    fn cell(layer: &str, c: &RecurrentConfig) -> Result<Cell> {
        Ok(Cell::SimpleRnn {
            activation: main_activation(layer, c)?,
        })
    }
    fn write_own_config(_: &RecurrentConfig, _: &mut Map<String, Json>) {}
}

impl SimpleRNN {
    /// `SimpleRNN(units)` with Keras's defaults.
    pub fn new(units: usize) -> Self {
        Self::with_units(units)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Layer;
    use crate::rnn::test_util::{
        check_chunking_is_invisible, check_gradients_with_states, check_training_gradients,
    };
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};
    use kerust_tensor::{Rng, Tensor};

    #[test]
    fn single_unit_hand_computed() {
        // h1 = tanh(0.5*1 + 0) ; h2 = tanh(0.5*2 + 0.8*h1 + 0.1)
        let mut l = SimpleRNN::new(1);
        l.build(&[vec![None, Some(2), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[
            Tensor::full(&[1, 1], 0.5).unwrap(),
            Tensor::full(&[1, 1], 0.8).unwrap(),
            Tensor::full(&[1], 0.1).unwrap(),
        ])
        .unwrap();
        let y = forward(&l, Tensor::from_vec(vec![1.0, 2.0], &[1, 2, 1]).unwrap()).unwrap();
        let h1 = (0.5f32 + 0.1).tanh();
        let h2 = (1.0 + 0.8 * h1 + 0.1).tanh();
        assert!((y.item().unwrap() - h2).abs() < 1e-6);
    }

    #[test]
    fn lecture_parameter_counts() {
        // SimpleRNN(10) on 1 feature: 10 + 100 + 10 = 120; then 5 on 10: 50+25+5 = 80; then 1 on 5: 7.
        for (units, d, want) in [(10, 1, 120), (5, 10, 80), (1, 5, 7), (10, 50, 610)] {
            let mut l = SimpleRNN::new(units);
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want);
        }
    }

    #[test]
    fn batch_chunks_give_the_bits_of_one_loop() {
        // 40 rows × 16 steps × 64² multiply-adds: several chunks on 4 threads.
        check_chunking_is_invisible(
            SimpleRNN::new(64)
                .dropout(0.2)
                .recurrent_dropout(0.3)
                .return_sequences(true)
                .return_state(true),
            &[40, 16, 4],
            1,
            64,
        );
        check_chunking_is_invisible(
            SimpleRNN::new(64)
                .go_backwards(true)
                .zero_output_for_mask(true),
            &[40, 16, 4],
            0,
            64,
        );
    }

    #[test]
    fn gradients_all_modes() {
        check_layer_gradients(SimpleRNN::new(3), &[2, 4, 2]);
        check_layer_gradients(SimpleRNN::new(3).return_sequences(true), &[2, 4, 2]);
        check_layer_gradients(
            SimpleRNN::new(2).go_backwards(true).return_sequences(true),
            &[2, 3, 2],
        );
        check_layer_gradients(
            SimpleRNN::new(2).activation("relu").use_bias(false),
            &[3, 3, 2],
        );
        check_config_round_trip(
            SimpleRNN::new(4)
                .return_sequences(true)
                .go_backwards(true)
                .dropout(0.2),
            SimpleRNN::from_config,
        );
        check_training_gradients(
            SimpleRNN::new(3)
                .dropout(0.3)
                .recurrent_dropout(0.4)
                .return_sequences(true),
            &[3, 4, 2],
        );
        check_gradients_with_states(
            SimpleRNN::new(3).return_sequences(true).return_state(true),
            &[3, 4, 2],
            1,
            3,
        );
        check_gradients_with_states(
            SimpleRNN::new(2)
                .zero_output_for_mask(true)
                .go_backwards(true)
                .return_sequences(true),
            &[3, 4, 2],
            1,
            2,
        );
    }
}
