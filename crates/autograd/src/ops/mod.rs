//! Differentiable ops on [`Var`](crate::Var), grouped by kind; each records its own backward.
pub mod arith;
pub mod layout;
pub mod matmul;
pub mod reduce;
pub mod unary;
