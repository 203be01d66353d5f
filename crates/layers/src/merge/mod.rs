//! Merge layers: Concatenate, Add, Multiply, Dot.
