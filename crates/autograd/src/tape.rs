//! The tape: leaf variables, recorded nodes, and the reverse pass that accumulates gradients.
use crate::row_grad::{Grad, RowGrad};
use kerust_tensor::{IntTensor, Result, Tensor, TensorError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Backward of one node: receives the gradient of each output (`None` when no gradient reached
/// it) and returns the gradient of each input (`None` for inputs that need none).
pub type BackwardFn = Box<dyn FnOnce(&[Option<Tensor>]) -> Result<Vec<Option<Tensor>>>>;

/// How a node maps output gradients to input gradients.
enum Backward {
    Fn(BackwardFn),
    /// `gather_rows` of a `[vocab, dim]` table: the tape scatters the gradient itself so that a
    /// leaf table's gradient can stay row-sparse ([`Tape::backward_sparse`]).
    GatherRows {
        ids: IntTensor,
        vocab: usize,
    },
}

struct Node {
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    backward: Backward,
}

/// One contribution to a leaf that also receives row-sparse gradients, kept in arrival order so
/// the final sum adds them in exactly the order the dense path would.
enum Part {
    Dense(Tensor),
    Rows(RowGrad),
}

#[derive(Default)]
pub(crate) struct Inner {
    /// Per variable: does a gradient need to flow into it?
    requires_grad: Vec<bool>,
    /// Per variable: is it a leaf (parameter or input) rather than an op result?
    leaf: Vec<bool>,
    nodes: Vec<Node>,
    /// Probability outputs of softmax / sigmoid → (kind, logits id, logits value).
    pub(crate) logits: HashMap<usize, (crate::logits::LogitsOf, usize, Tensor)>,
}

/// A recording of one forward pass. Cheap to clone (shared handle).
#[derive(Clone, Default)]
pub struct Tape {
    pub(crate) inner: Rc<RefCell<Inner>>,
}

/// A tensor value on a tape. Ops on `Var`s record themselves.
#[derive(Clone)]
pub struct Var {
    pub(crate) id: usize,
    pub(crate) value: Tensor,
    pub(crate) tape: Tape,
}

impl std::fmt::Debug for Var {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Var#{}{:?}", self.id, self.value.shape())
    }
}

/// Gradients by variable, returned by [`Tape::backward`] / [`Tape::backward_sparse`].
#[derive(Default)]
pub struct Grads {
    map: HashMap<usize, Tensor>,
    /// Row-sparse gradients (only from `backward_sparse`); `get`/`remove` do not see them.
    rows: HashMap<usize, RowGrad>,
}

impl Grads {
    /// The gradient of `v`, if any flowed into it.
    pub fn get(&self, v: &Var) -> Option<&Tensor> {
        self.map.get(&v.id)
    }
    /// Take the gradient of `v` out of the map.
    pub fn remove(&mut self, v: &Var) -> Option<Tensor> {
        self.map.remove(&v.id)
    }
    /// Take the gradient of `v` out, dense or row-sparse.
    pub fn remove_grad(&mut self, v: &Var) -> Option<Grad> {
        if let Some(r) = self.rows.remove(&v.id) {
            return Some(Grad::Rows(r));
        }
        self.map.remove(&v.id).map(Grad::Dense)
    }
}

impl Tape {
    /// A fresh, empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    fn push_var(&self, requires_grad: bool, leaf: bool) -> usize {
        let mut inner = self.inner.borrow_mut();
        inner.requires_grad.push(requires_grad);
        inner.leaf.push(leaf);
        inner.requires_grad.len() - 1
    }

    /// A leaf that receives a gradient (a trainable weight).
    pub fn param(&self, value: Tensor) -> Var {
        Var {
            id: self.push_var(true, true),
            value,
            tape: self.clone(),
        }
    }

    /// A leaf that needs no gradient (input data, targets, frozen weights).
    pub fn constant(&self, value: Tensor) -> Var {
        Var {
            id: self.push_var(false, true),
            value,
            tape: self.clone(),
        }
    }

    /// Number of recorded nodes (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.inner.borrow().nodes.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record an op with several inputs and outputs. `backward` is stored only when one of the
    /// inputs needs a gradient; otherwise the outputs are constants and nothing is kept.
    pub fn record(
        &self,
        inputs: &[&Var],
        outputs: Vec<Tensor>,
        backward: BackwardFn,
    ) -> Result<Vec<Var>> {
        self.record_node(inputs, outputs, Backward::Fn(backward))
    }

    fn record_node(
        &self,
        inputs: &[&Var],
        outputs: Vec<Tensor>,
        backward: Backward,
    ) -> Result<Vec<Var>> {
        for v in inputs {
            if !Rc::ptr_eq(&v.tape.inner, &self.inner) {
                return Err(TensorError::InvalidArgument {
                    op: "Tape::record",
                    message: "an input belongs to another tape; create all variables of one step on the same tape".into(),
                });
            }
        }
        let needs = {
            let inner = self.inner.borrow();
            inputs.iter().any(|v| inner.requires_grad[v.id])
        };
        let outs: Vec<Var> = outputs
            .into_iter()
            .map(|value| Var {
                id: self.push_var(needs, false),
                value,
                tape: self.clone(),
            })
            .collect();
        if needs {
            self.inner.borrow_mut().nodes.push(Node {
                inputs: inputs.iter().map(|v| v.id).collect(),
                outputs: outs.iter().map(|v| v.id).collect(),
                backward,
            });
        }
        Ok(outs)
    }

    /// Record `output = table.gather_rows(ids)` for a `[vocab, dim]` table.
    pub(crate) fn record_gather_rows(
        &self,
        table: &Var,
        ids: IntTensor,
        vocab: usize,
        output: Tensor,
    ) -> Result<Var> {
        let mut v =
            self.record_node(&[table], vec![output], Backward::GatherRows { ids, vocab })?;
        Ok(v.remove(0))
    }

    /// Record a single-output op whose backward maps the output gradient to input gradients.
    pub fn record1(
        &self,
        inputs: &[&Var],
        output: Tensor,
        backward: impl FnOnce(&Tensor) -> Result<Vec<Option<Tensor>>> + 'static,
    ) -> Result<Var> {
        let mut v = self.record(
            inputs,
            vec![output],
            Box::new(move |g: &[Option<Tensor>]| match &g[0] {
                Some(g0) => backward(g0),
                None => Ok(Vec::new()),
            }),
        )?;
        Ok(v.remove(0))
    }

    /// Whether gradients must flow into `v`.
    pub fn requires_grad(&self, v: &Var) -> bool {
        self.inner.borrow().requires_grad[v.id]
    }

    /// Run the reverse pass from `loss` (seeded with ones of its shape) and return the gradients
    /// of every leaf that requires one. The recorded nodes are consumed.
    pub fn backward(&self, loss: &Var) -> Result<Grads> {
        self.reverse(loss, false)
    }

    /// Like [`Tape::backward`], but a leaf table read only through `gather_rows` gets a
    /// row-sparse gradient ([`Grads::remove_grad`]) instead of a dense, mostly zero one. The
    /// values are exactly those of the dense gradient.
    pub fn backward_sparse(&self, loss: &Var) -> Result<Grads> {
        self.reverse(loss, true)
    }

    fn reverse(&self, loss: &Var, sparse: bool) -> Result<Grads> {
        let (nodes, leaf, requires) = {
            let mut inner = self.inner.borrow_mut();
            (
                std::mem::take(&mut inner.nodes),
                inner.leaf.clone(),
                inner.requires_grad.clone(),
            )
        };
        let mut grads: Vec<Option<Tensor>> = vec![None; leaf.len()];
        // Leaves with a row-sparse contribution: all their contributions, in arrival order.
        let mut parts: HashMap<usize, Vec<Part>> = HashMap::new();
        // The seed gradient lives where the loss does, so a GPU backward never mixes devices.
        grads[loss.id] = Some(Tensor::ones(loss.value.shape())?.to(loss.value.device())?);
        for node in nodes.into_iter().rev() {
            let out_grads: Vec<Option<Tensor>> =
                node.outputs.iter().map(|&o| grads[o].take()).collect();
            if out_grads.iter().all(Option::is_none) {
                continue;
            }
            let in_grads = match node.backward {
                Backward::Fn(f) => f(&out_grads)?,
                Backward::GatherRows { ids, vocab } => {
                    let (Some(g), Some(&i)) = (&out_grads[0], node.inputs.first()) else {
                        continue;
                    };
                    if sparse
                        && leaf[i]
                        && requires[i]
                        && !kerust_tensor::takes_device_path(g.device())
                    {
                        let rows = RowGrad::from_scatter(g, &ids, vocab)?;
                        let list = parts.entry(i).or_insert_with(|| {
                            grads[i].take().map(Part::Dense).into_iter().collect()
                        });
                        list.push(Part::Rows(rows));
                        continue;
                    }
                    vec![Some(g.scatter_add_rows(&ids, vocab)?)]
                }
            };
            for (&i, g) in node.inputs.iter().zip(in_grads) {
                let Some(g) = g else { continue };
                if !requires[i] {
                    continue;
                }
                if let Some(list) = parts.get_mut(&i) {
                    list.push(Part::Dense(g));
                    continue;
                }
                grads[i] = Some(match grads[i].take() {
                    Some(mut prev) => {
                        prev.add_assign(&g)?;
                        prev
                    }
                    None => g,
                });
            }
        }
        let mut rows = HashMap::new();
        for (i, list) in parts {
            if list.iter().all(|p| matches!(p, Part::Rows(_))) {
                let mut acc: Option<RowGrad> = None;
                for p in list {
                    if let Part::Rows(r) = p {
                        acc = Some(match acc {
                            Some(prev) => prev.add(&r)?,
                            None => r,
                        });
                    }
                }
                if let Some(r) = acc {
                    rows.insert(i, r);
                }
            } else {
                // Mixed with dense contributions: the sums the dense path forms, in its order,
                // accumulated in place in the first dense buffer (addition commutes, so rows
                // that arrived before it are folded into it without a [vocab, dim] temporary).
                let mut leading: Option<RowGrad> = None;
                let mut acc: Option<Tensor> = None;
                for p in list {
                    match (p, &mut acc) {
                        (Part::Rows(r), Some(a)) => r.add_into(a)?,
                        (Part::Rows(r), None) => {
                            leading = Some(match leading {
                                Some(prev) => prev.add(&r)?,
                                None => r,
                            })
                        }
                        (Part::Dense(t), Some(a)) => a.add_assign(&t)?,
                        (Part::Dense(mut t), None) => {
                            if let Some(r) = leading.take() {
                                r.add_into(&mut t)?;
                            }
                            acc = Some(t);
                        }
                    }
                }
                grads[i] = acc;
            }
        }
        let map = grads
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                if leaf[i] && requires[i] {
                    g.map(|g| (i, g))
                } else {
                    None
                }
            })
            .collect();
        Ok(Grads { map, rows })
    }
}

impl Var {
    /// The computed value.
    pub fn value(&self) -> &Tensor {
        &self.value
    }
    /// Shape of the value.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }
    /// The tape this variable lives on.
    pub fn tape(&self) -> &Tape {
        &self.tape
    }
    /// A constant on the same tape (for masks, targets, noise).
    pub fn constant_like(&self, value: Tensor) -> Var {
        self.tape.constant(value)
    }
    /// Cut the gradient: the same value as a constant.
    pub fn detach(&self) -> Var {
        self.tape.constant(self.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_weight_accumulates_and_constants_get_nothing() {
        let tape = Tape::new();
        let w = tape.param(Tensor::from_vec(vec![2.0, 3.0], &[2]).unwrap());
        let x = tape.constant(Tensor::from_vec(vec![1.0, -1.0], &[2]).unwrap());
        // loss = sum(w*x) + sum(w*w): dw = x + 2w
        let loss = w
            .mul(&x)
            .unwrap()
            .sum_all()
            .unwrap()
            .add(&w.mul(&w).unwrap().sum_all().unwrap())
            .unwrap();
        let g = tape.backward(&loss).unwrap();
        assert_eq!(g.get(&w).unwrap().to_vec().unwrap(), vec![5.0, 5.0]);
        assert!(g.get(&x).is_none());
    }

    #[test]
    fn ops_on_constants_record_nothing() {
        let tape = Tape::new();
        let x = tape.constant(Tensor::ones(&[3]).unwrap());
        let _ = x.tanh().unwrap().sum_all().unwrap();
        assert!(tape.is_empty());
    }

    /// `loss` built by `f` on a fresh tape, backward dense and sparse: the table's gradients.
    fn table_grads(f: impl Fn(&Var) -> Var) -> (Tensor, Grad) {
        let vals: Vec<f32> = (0..12).map(|i| (i as f32 * 0.61).cos() * 0.3).collect();
        let run = |sparse: bool| {
            let tape = Tape::new();
            let w = tape.param(Tensor::from_vec(vals.clone(), &[6, 2]).unwrap());
            let loss = f(&w);
            let mut g = if sparse {
                tape.backward_sparse(&loss).unwrap()
            } else {
                tape.backward(&loss).unwrap()
            };
            g.remove_grad(&w).unwrap()
        };
        (run(false).into_dense().unwrap(), run(true))
    }

    fn bits(t: &Tensor) -> Vec<u32> {
        t.to_vec().unwrap().iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn sparse_table_gradients_equal_dense_ones_bit_for_bit() {
        let a = IntTensor::from_vec(vec![1, 4, 1, 0, 4, 4], &[2, 3]).unwrap();
        let b = IntTensor::from_vec(vec![4, 5, 2], &[3]).unwrap();
        let x =
            Tensor::from_vec((0..12).map(|i| i as f32 * 0.1 - 0.5).collect(), &[2, 3, 2]).unwrap();
        let tanh_sum = |w: &Var, ids: &IntTensor| {
            let y = w.gather_rows(ids).unwrap().tanh().unwrap();
            y.sum_all().unwrap()
        };
        let exp_sum = |w: &Var| w.gather_rows(&b).unwrap().exp().unwrap().sum_all().unwrap();
        // `f`'s table gradient has the same bits on both paths; `rows`: it stays row-sparse.
        let same = |rows: bool, f: &dyn Fn(&Var) -> Var| {
            let (dense, sparse) = table_grads(f);
            assert_eq!(matches!(sparse, Grad::Rows(_)), rows);
            assert_eq!(bits(&dense), bits(&sparse.into_dense().unwrap()));
        };
        // One lookup, weighted so rows differ.
        same(true, &|w| {
            let y = w.gather_rows(&a).unwrap();
            y.mul(&w.constant_like(x.clone()))
                .unwrap()
                .sum_all()
                .unwrap()
        });
        // A shared table read twice.
        same(true, &|w| tanh_sum(w, &a).add(&exp_sum(w)).unwrap());
        // Also used densely (like a regularizer): dense, in the dense path's order.
        same(false, &|w| {
            let p = w.mul(w).unwrap().sum_all().unwrap();
            p.add(&tanh_sum(w, &a)).unwrap()
        });
        // Read twice and penalized (the Quora siamese embedding): the two row parts arrive before
        // the dense one and are folded into its buffer in place.
        same(false, &|w| {
            let p = w.l1_l2_penalty(0.01, 0.02).unwrap();
            p.add(&tanh_sum(w, &a)).unwrap().add(&exp_sum(w)).unwrap()
        });
    }

    #[test]
    fn mixing_tapes_is_an_error() {
        let (a, b) = (Tape::new(), Tape::new());
        let x = a.param(Tensor::ones(&[2]).unwrap());
        let y = b.param(Tensor::ones(&[2]).unwrap());
        assert!(x.add(&y).is_err());
    }
}
