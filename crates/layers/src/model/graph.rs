//! The layer graph both model kinds execute: nodes are layer calls wired by (node, output) edges.
use crate::core::input::Input;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Data, Flow, Value};
use crate::layer::{fmt_shape, InputKind, Layer, Shape};
use crate::param::Param;
use kerust_tensor::IntTensor;
use std::collections::HashSet;

/// One call of a layer inside a model.
#[derive(Debug, Clone)]
pub struct GraphNode {
    /// Index into `Graph::layers`.
    pub layer: usize,
    /// `(node, output index)` of each input; empty for input nodes.
    pub inputs: Vec<(usize, usize)>,
    /// Shapes of this call's outputs (batch `None`).
    pub output_shapes: Vec<Shape>,
}

/// Layers plus the order and wiring of their calls (topological).
#[derive(Clone, Default)]
pub struct Graph {
    /// Every layer once, in the order they were added.
    pub layers: Vec<Box<dyn Layer>>,
    /// Layer calls in execution order.
    pub nodes: Vec<GraphNode>,
    /// Node index of each model input (their layers are `Input`).
    pub inputs: Vec<usize>,
    /// Model outputs.
    pub outputs: Vec<(usize, usize)>,
}

impl Graph {
    /// The `Input` layer behind model input `i`.
    pub fn input_layer(&self, i: usize) -> Option<&Input> {
        let node = self.nodes.get(*self.inputs.get(i)?)?;
        self.layers[node.layer].as_any().downcast_ref::<Input>()
    }

    /// Checks every input's per-sample shape on the whole data, before it is cut into batches,
    /// so an error names the shape the user passed (a batch slice's would mislead).
    pub fn check_input_shapes(&self, x: &[Data]) -> Result<()> {
        for (i, d) in x.iter().enumerate() {
            self.check_shape(i, d)?;
        }
        Ok(())
    }

    /// Input `i`'s layer, after checking that `data` has its per-sample shape.
    fn check_shape(&self, i: usize, data: &Data) -> Result<&Input> {
        let input = self
            .input_layer(i)
            .ok_or_else(|| LayerError::NotBuilt("model input missing".into()))?;
        let got = data.shape();
        let want = &input.shape;
        let shape_ok = got.len() == want.len() + 1
            && want
                .iter()
                .zip(&got[1..])
                .all(|(w, g)| w.is_none_or(|w| w == *g));
        if !shape_ok && !matches!(data, Data::Text(_)) {
            let mut full = vec![None];
            full.extend(want.iter().copied());
            return Err(LayerError::Data(format!(
                "input '{}' expects shape {} but the data has shape {:?}; reshape the data or change Input(shape)",
                input.base.name(),
                fmt_shape(&full),
                got
            )));
        }
        Ok(input)
    }

    /// Turn user data for input `i` into a forward value, checking kind and per-sample shape.
    fn feed(&self, i: usize, data: &Data, ctx: &mut Ctx) -> Result<Flow> {
        let input = self.check_shape(i, data)?;
        let value = match (input.kind(), data) {
            (InputKind::Text, Data::Text(v)) => Value::Text(v.clone()),
            (InputKind::Int, Data::Int(t)) => Value::Int(t.clone()),
            (InputKind::Int, Data::Float(t)) => {
                let v = t.to_vec()?;
                if let Some(bad) = v.iter().find(|x| x.fract() != 0.0) {
                    return Err(LayerError::Data(format!(
                        "input '{}' expects integer ids, found {bad}",
                        input.base.name()
                    )));
                }
                Value::Int(IntTensor::from_vec(
                    v.iter().map(|&x| x as i64).collect(),
                    t.shape(),
                )?)
            }
            (InputKind::Float, Data::Float(t)) => {
                Value::Float(ctx.tape.constant(t.to(ctx.device)?))
            }
            (InputKind::Float, Data::Int(t)) => Value::Float(
                ctx.tape
                    .constant(Data::Int(t.clone()).to_float()?.to(ctx.device)?),
            ),
            (kind, _) => {
                return Err(LayerError::Data(format!(
                    "input '{}' expects {kind:?} data, got {}",
                    input.base.name(),
                    data.kind()
                )))
            }
        };
        Ok(Flow { value, mask: None })
    }

    /// Run the graph on a batch.
    pub fn forward(&self, data: &[Data], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        if data.len() != self.inputs.len() {
            return Err(LayerError::Data(format!(
                "the model has {} input(s) but {} array(s) were given; pass one array per Input in order",
                self.inputs.len(),
                data.len()
            )));
        }
        let mut values: Vec<Option<Vec<Flow>>> = vec![None; self.nodes.len()];
        // Free each node's outputs after its last consumer to keep peak memory low.
        let mut remaining = vec![0usize; self.nodes.len()];
        for n in &self.nodes {
            for &(src, _) in &n.inputs {
                remaining[src] += 1;
            }
        }
        for &(src, _) in &self.outputs {
            remaining[src] += 1;
        }
        for (idx, node) in self.nodes.iter().enumerate() {
            if let Some(pos) = self.inputs.iter().position(|&n| n == idx) {
                values[idx] = Some(vec![self.feed(pos, &data[pos], ctx)?]);
                continue;
            }
            let mut ins = Vec::with_capacity(node.inputs.len());
            for &(src, out) in &node.inputs {
                let v = values[src]
                    .as_ref()
                    .and_then(|v| v.get(out))
                    .cloned()
                    .ok_or_else(|| {
                        LayerError::NotBuilt(format!(
                            "node {idx} reads node {src} before it was computed"
                        ))
                    })?;
                ins.push(v);
                remaining[src] -= 1;
                if remaining[src] == 0 {
                    values[src] = None;
                }
            }
            values[idx] = Some(self.layers[node.layer].call(&ins, ctx)?);
        }
        self.outputs
            .iter()
            .map(|&(n, o)| {
                values[n]
                    .as_ref()
                    .and_then(|v| v.get(o))
                    .cloned()
                    .ok_or_else(|| LayerError::NotBuilt("model output not computed".into()))
            })
            .collect()
    }

    /// Every weight once, in layer order.
    pub fn params(&self) -> Vec<&Param> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    /// Every weight once, mutably.
    pub fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut seen = HashSet::new();
        self.layers
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .filter(|p| seen.insert(p.id()))
            .collect()
    }

    /// Output shapes of the model (batch `None`).
    pub fn output_shapes(&self) -> Vec<Shape> {
        self.outputs
            .iter()
            .map(|&(n, o)| self.nodes[n].output_shapes[o].clone())
            .collect()
    }
}
