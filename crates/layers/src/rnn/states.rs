//! `RnnStates`: the carried states of a stateful recurrent layer (Keras's `self.states`, the
//! non-trainable `rnn_state` variables that are not among the layer's weights). They are created
//! at zero for the fixed batch size in `build`, read as the initial states of every call, replaced
//! by that call's final states (in training and in inference alike) and zeroed by `reset_states`.
use crate::error::{LayerError, Result};
use kerust_tensor::Tensor;
use std::sync::Mutex;

/// The states a stateful layer carries from one batch to the next. A `call` takes `&self` (a
/// model's forward pass shares its layers), so the values sit behind a lock; cloning a layer
/// copies them (the copy then carries on independently, like Keras's cloned variables).
#[derive(Debug, Default)]
pub struct RnnStates {
    values: Mutex<Option<Vec<Tensor>>>,
}

impl Clone for RnnStates {
    fn clone(&self) -> Self {
        Self {
            values: Mutex::new(self.get()),
        }
    }
}

impl RnnStates {
    /// The current values (`None` before `build`).
    pub fn get(&self) -> Option<Vec<Tensor>> {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replace the values (after a call, or on reset).
    pub fn set(&self, values: Vec<Tensor>) {
        *self.values.lock().unwrap_or_else(|e| e.into_inner()) = Some(values);
    }

    /// The batch size the states were created for.
    pub fn batch_size(&self) -> Option<usize> {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|v| v.first())
            .map(|t| t.shape()[0])
    }

    /// `n` zero states of `[batch, units]` (Keras `get_initial_state`).
    pub fn zeros(layer: &str, batch: usize, units: usize, n: usize) -> Result<Vec<Tensor>> {
        crate::param::checked_weight_numel(layer, "rnn_state", &[batch, units])?;
        (0..n)
            .map(|_| Ok(Tensor::zeros(&[batch, units])?))
            .collect()
    }
}

/// The typed error of a stateful layer built without a fixed batch size (Keras: "the batch size
/// must be static").
pub fn needs_batch_size(layer: &str, shape: &[Option<usize>]) -> LayerError {
    LayerError::StatefulWithoutBatchSize {
        layer: layer.to_string(),
        shape: crate::layer::fmt_shape(shape),
    }
}

/// The typed error of a stateful layer fed a batch of another size than it was built for.
pub fn wrong_batch_size(layer: &str, expected: usize, got: usize) -> LayerError {
    LayerError::StatefulBatchSize {
        layer: layer.to_string(),
        expected,
        got,
    }
}

#[cfg(test)]
mod tests {
    use crate::ctx::Ctx;
    use crate::flow::Flow;
    use crate::layer::Layer;
    use crate::rnn::bidirectional::Bidirectional;
    use crate::rnn::{gru::GRU, lstm::LSTM, simple_rnn::SimpleRNN};
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;
    use kerust_tensor::{Rng, Tensor};

    #[test]
    fn the_stateful_key_round_trips() {
        check_config_round_trip(LSTM::new(3).stateful(true), LSTM::from_config);
        check_config_round_trip(GRU::new(3).stateful(true), GRU::from_config);
        check_config_round_trip(SimpleRNN::new(3).stateful(true), SimpleRNN::from_config);
        let bi = Bidirectional::new(LSTM::new(2).stateful(true)).unwrap();
        assert!(bi.is_stateful());
        assert_eq!(bi.get_config()["layer"]["config"]["stateful"], true);
        check_config_round_trip(bi, Bidirectional::from_config);
        assert_eq!(LSTM::new(2).get_config()["stateful"], false);
        assert!(!LSTM::from_config(&LSTM::new(2).get_config())
            .unwrap()
            .is_stateful());
    }

    fn call(l: &dyn Layer, inputs: &[Tensor]) -> Vec<Tensor> {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let flows: Vec<Flow> = inputs
            .iter()
            .map(|t| Flow::float(tape.constant(t.clone())))
            .collect();
        l.call(&flows, &mut ctx)
            .unwrap()
            .iter()
            .map(|f| f.var("t").unwrap().value().clone())
            .collect()
    }

    #[test]
    fn states_start_at_zero_carry_over_and_explicit_states_win() {
        let (b, t, d, u) = (2, 3, 2, 3);
        let mut l = LSTM::new(u).stateful(true).return_state(true);
        l.build(&[vec![Some(b), Some(t), Some(d)]], &mut Rng::seed(3))
            .unwrap();
        let s = l.states().unwrap();
        assert_eq!(s.len(), 2);
        assert!(s
            .iter()
            .all(|x| x.shape() == [b, u] && x.to_vec().unwrap().iter().all(|&v| v == 0.0)));
        let x = Tensor::from_vec(
            (0..b * t * d).map(|i| (i as f32).cos()).collect(),
            &[b, t, d],
        )
        .unwrap();
        // The first call from zeros equals a plain layer's; its final states are kept.
        let first = call(&l, std::slice::from_ref(&x));
        let kept = l.states().unwrap();
        assert_eq!(first[1].to_vec().unwrap(), kept[0].to_vec().unwrap());
        assert_eq!(first[2].to_vec().unwrap(), kept[1].to_vec().unwrap());
        // The second call starts from them: the same as passing them explicitly.
        let second = call(&l, std::slice::from_ref(&x));
        let mut plain = LSTM::new(u).return_state(true);
        plain
            .build(&[vec![None, Some(t), Some(d)]], &mut Rng::seed(0))
            .unwrap();
        plain.set_weights(&l.get_weights()).unwrap();
        let explicit = call(&plain, &[x.clone(), kept[0].clone(), kept[1].clone()]);
        assert_eq!(second[0].to_vec().unwrap(), explicit[0].to_vec().unwrap());
        assert_ne!(second[0].to_vec().unwrap(), first[0].to_vec().unwrap());
        // States passed explicitly to a stateful layer are used instead (and it keeps the result).
        let zeros = Tensor::zeros(&[b, u]).unwrap();
        let again = call(&l, &[x.clone(), zeros.clone(), zeros]);
        assert_eq!(again[0].to_vec().unwrap(), first[0].to_vec().unwrap());
        assert_eq!(
            l.states().unwrap()[0].to_vec().unwrap(),
            first[1].to_vec().unwrap()
        );
        // reset_states zeroes them, and the next call equals the first.
        call(&l, std::slice::from_ref(&x));
        l.reset_states().unwrap();
        assert!(l.states().unwrap()[1]
            .to_vec()
            .unwrap()
            .iter()
            .all(|&v| v == 0.0));
        assert_eq!(
            call(&l, std::slice::from_ref(&x))[0].to_vec().unwrap(),
            first[0].to_vec().unwrap()
        );
        // A layer that is not stateful keeps nothing and resets as a no-op (Keras 3).
        assert!(plain.states().is_none());
        plain.reset_states().unwrap();
    }
}
