//! Op codes shared by the CPU dispatch and the CUDA kernels (their numeric values are the
//! `switch` cases in `crates/tensor/kernels/*.cu`, so they must not be reordered).

/// Unary elementwise ops; `p` / `q` carry the scalar parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    /// `x + p`
    AddScalar(f32),
    /// `x * p`
    MulScalar(f32),
    Neg,
    Exp,
    Log,
    Sqrt,
    Square,
    Abs,
    Sign,
    /// `x^p`
    Powf(f32),
    /// `clamp(x, lo, hi)`
    Clip(f32, f32),
    Tanh,
    Sigmoid,
    Relu,
}

impl UnaryOp {
    /// (kernel op code, p, q).
    pub fn code(self) -> (i32, f32, f32) {
        match self {
            UnaryOp::AddScalar(s) => (1, s, 0.0),
            UnaryOp::MulScalar(s) => (2, s, 0.0),
            UnaryOp::Neg => (3, 0.0, 0.0),
            UnaryOp::Exp => (4, 0.0, 0.0),
            UnaryOp::Log => (5, 0.0, 0.0),
            UnaryOp::Sqrt => (6, 0.0, 0.0),
            UnaryOp::Square => (7, 0.0, 0.0),
            UnaryOp::Abs => (8, 0.0, 0.0),
            UnaryOp::Sign => (9, 0.0, 0.0),
            UnaryOp::Powf(p) => (10, p, 0.0),
            UnaryOp::Clip(lo, hi) => (11, lo, hi),
            UnaryOp::Tanh => (12, 0.0, 0.0),
            UnaryOp::Sigmoid => (13, 0.0, 0.0),
            UnaryOp::Relu => (14, 0.0, 0.0),
        }
    }
}

/// Binary elementwise ops with broadcasting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Div = 3,
    Maximum = 4,
    /// Take the left operand (used to materialise a broadcast).
    Left = 5,
}

/// Reductions over one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum = 0,
    Max = 1,
}
