//! Recurrent layers. Each runs a whole sequence as one fused tape node: one GEMM for `X·W` over
//! all steps, then one `h·U` GEMM per step into reused buffers, with a hand-written backward.
pub mod common;
pub mod gru;
pub mod lstm;
pub mod simple_rnn;
#[cfg(test)]
pub(crate) mod test_util;
