//! Merge layers: Concatenate, Add, Multiply, Dot.
pub mod add;
pub mod common;
pub mod concatenate;
pub mod dot;
#[cfg(test)]
pub mod gradcheck;
pub mod multiply;
