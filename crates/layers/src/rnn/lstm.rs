//! `LSTM`: Keras's long short-term memory layer (`keras.layers.LSTM`), one fused tape node per
//! call; the cell math is `kerust_tensor::recurrent` (gates `i, f, c, o`).
use super::config::RecurrentConfig;
use super::recurrent::{
    gate_activation, main_activation, write_gate_activation, CellKind, Recurrent,
};
use crate::activations::Activation;
use crate::error::Result;
use kerust_tensor::recurrent::Cell;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Map, Value as Json};

/// Marker for the LSTM cell of [`Recurrent`].
#[derive(Debug, Clone, Copy)]
pub struct LstmCell;

/// Keras `LSTM(units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
/// unit_forget_bias=True, dropout=0, recurrent_dropout=0, return_sequences=False, ...)`.
/// Weights: `kernel [in, 4u]`, `recurrent_kernel [u, 4u]`, `bias [4u]`. Options and defaults:
/// [`RecurrentConfig`].
pub type LSTM = Recurrent<LstmCell>;

impl CellKind for LstmCell {
    const CLASS: &'static str = "LSTM";
    fn cell(layer: &str, c: &RecurrentConfig) -> Result<Cell> {
        Ok(Cell::Lstm {
            activation: main_activation(layer, c)?,
            recurrent_activation: gate_activation(layer, c)?,
        })
    }
    fn initial_bias(c: &RecurrentConfig, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        if !c.unit_forget_bias {
            return c.bias_initializer.init(shape, rng);
        }
        // Keras: bias_initializer(u) ++ ones(u) ++ bias_initializer(2u).
        let u = c.units;
        let mut v = c.bias_initializer.init(&[u], rng)?.to_vec()?;
        v.extend(std::iter::repeat_n(1.0, u));
        v.extend(c.bias_initializer.init(&[2 * u], rng)?.to_vec()?);
        Ok(Tensor::from_vec(v, &[4 * u])?)
    }
    fn write_own_config(c: &RecurrentConfig, m: &mut Map<String, Json>) {
        write_gate_activation(c, m);
        m.insert("unit_forget_bias".into(), json!(c.unit_forget_bias));
    }
}

impl LSTM {
    /// `LSTM(units)` with Keras's defaults.
    pub fn new(units: usize) -> Self {
        Self::with_units(units)
    }
    /// Keras `recurrent_activation` (the gates').
    pub fn recurrent_activation(mut self, a: impl Into<Activation>) -> Self {
        self.config.recurrent_activation = a.into();
        self
    }
    /// Keras `unit_forget_bias`.
    pub fn unit_forget_bias(mut self, u: bool) -> Self {
        self.config.unit_forget_bias = u;
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
        for (units, d, want) in [
            (64, 128, 49408),
            (10, 50, 2440),
            (1, 10, 48),
            (32, 32, 8320),
            (32, 1, 4352),
        ] {
            let mut l = LSTM::new(units);
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want, "LSTM({units}) on {d}");
        }
    }

    #[test]
    fn forget_bias_starts_at_one() {
        let mut l = LSTM::new(2);
        l.build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .unwrap();
        let b = l.get_weights()[2].to_vec().unwrap();
        assert_eq!(b, vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn gradients_all_modes() {
        check_layer_gradients(LSTM::new(3), &[2, 4, 2]);
        check_layer_gradients(LSTM::new(3).return_sequences(true), &[2, 4, 2]);
        check_layer_gradients(
            LSTM::new(2).go_backwards(true).return_sequences(true),
            &[2, 3, 2],
        );
        check_layer_gradients(
            LSTM::new(2)
                .activation("relu")
                .recurrent_activation("hard_sigmoid")
                .use_bias(false),
            &[3, 3, 2],
        );
    }

    #[test]
    fn gradients_with_dropout_masks_and_states() {
        check_training_gradients(
            LSTM::new(3)
                .dropout(0.3)
                .recurrent_dropout(0.4)
                .return_sequences(true),
            &[3, 4, 2],
        );
        check_gradients_with_states(
            LSTM::new(3).return_sequences(true).return_state(true),
            &[2, 4, 2],
            2,
            3,
        );
        check_gradients_with_states(
            LSTM::new(2).return_state(true).go_backwards(true),
            &[3, 4, 2],
            2,
            2,
        );
        check_gradients_with_states(
            LSTM::new(2)
                .zero_output_for_mask(true)
                .return_sequences(true),
            &[3, 4, 2],
            2,
            2,
        );
    }

    #[test]
    fn batch_chunks_give_the_bits_of_one_loop() {
        check_chunking_is_invisible(
            LSTM::new(32)
                .dropout(0.2)
                .recurrent_dropout(0.3)
                .return_sequences(true)
                .return_state(true),
            &[33, 8, 4],
            2,
            32,
        );
        check_chunking_is_invisible(
            LSTM::new(32).go_backwards(true).zero_output_for_mask(true),
            &[32, 8, 4],
            0,
            32,
        );
    }

    #[test]
    fn config_round_trip() {
        check_config_round_trip(
            LSTM::new(4)
                .return_sequences(true)
                .go_backwards(true)
                .dropout(0.25)
                .unit_forget_bias(false),
            LSTM::from_config,
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut l = LSTM::new(0);
        assert!(l
            .build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .is_err());
        let mut l = LSTM::new(2);
        assert!(l.build(&[vec![None, Some(3)]], &mut Rng::seed(0)).is_err());
        l.build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .unwrap();
        let err = crate::testing::forward(&l, Tensor::zeros(&[2, 3, 4]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("[batch, time >= 1, 3]"), "{err}");
        // Absurd sizes (from a hostile config) are refused before anything is allocated.
        for units in [usize::MAX / 2, 1 << 40] {
            let mut l = LSTM::new(units);
            let err = l
                .build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
                .unwrap_err();
            assert!(
                err.to_string().contains("units") || err.to_string().contains("kernel"),
                "{err}"
            );
        }
    }
}
