//! `kerust-autograd`: a tape that records tensor ops and runs them backwards.
//!
//! A [`Tape`] lives for one training step. Parameters and inputs enter as leaf [`Var`]s; every op
//! on a `Var` computes its value eagerly and, when an input needs a gradient, appends one node with
//! its backward closure. Fused ops (a whole LSTM sequence) are a single node with several outputs
//! ([`Tape::record`]). [`Tape::backward`] walks the nodes in reverse and returns [`Grads`].
pub mod gradcheck;
pub mod logits;
pub mod ops;
pub mod row_grad;
pub mod tape;

pub use gradcheck::{gradcheck, GradCheck};
pub use kerust_tensor::{IntTensor, Result, Tensor, TensorError};
pub use logits::LogitsOf;
pub use row_grad::{Grad, RowGrad};
pub use tape::{BackwardFn, Grads, Tape, Var};
