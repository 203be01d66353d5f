//! Windowed pooling layers: `MaxPooling1D`, `AveragePooling1D`, `MaxPooling2D`, `AveragePooling2D`
//! (and their `MaxPool*` / `AvgPool*` aliases). They share one kernel and one definition.
use super::conv1d::check_channels_last;
use super::im2col::ConvGeom;
use super::padding::{out_len, Padding};
use super::pool_kernel::{pool_forward, PoolKind};
use super::tuple_arg::{int_tuple, positive};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// A window size or stride: one int for every axis, or a `(rows, cols)` pair.
pub trait IntoDims {
    /// The size along each of `n` axes.
    fn dims(self, n: usize) -> Vec<usize>;
}
impl IntoDims for usize {
    fn dims(self, n: usize) -> Vec<usize> {
        vec![self; n]
    }
}
impl IntoDims for (usize, usize) {
    fn dims(self, _n: usize) -> Vec<usize> {
        vec![self.0, self.1]
    }
}

/// Output spatial sizes and leading pads of a pool over `spatial` (1 or 2 axes).
fn pool_out(
    layer: &str,
    pool: &[usize],
    strides: &[usize],
    padding: Padding,
    spatial: &[Option<usize>],
    shape: &dyn std::fmt::Debug,
) -> Result<Vec<Option<(usize, usize)>>> {
    spatial
        .iter()
        .zip(pool.iter().zip(strides))
        .map(|(len, (&p, &s))| match len {
            None => Ok(None),
            Some(n) => out_len(padding, *n, p, s, 1).map(Some).ok_or_else(|| {
                LayerError::input(
                    layer,
                    format!(
                        "at least {p} positions along every pooled axis for pool_size {pool:?} with padding \"valid\"; use padding=\"same\" or a smaller pool_size"
                    ),
                    shape,
                )
            }),
        })
        .collect()
}

macro_rules! pooling_layer {
    ($ty:ident, $class:literal, $kind:expr, $dims:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $ty {
            /// Name, trainable flag and built flag.
            pub base: LayerBase,
            /// Window size per spatial axis.
            pub pool_size: Vec<usize>,
            /// Step per spatial axis; `None` means `pool_size` (the Keras default).
            pub strides: Option<Vec<usize>>,
            /// `valid` or `same`.
            pub padding: Padding,
            /// Input shape without batch when first in a `Sequential`.
            pub input_shape: Option<Shape>,
            bad_padding: Option<String>,
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $ty {
            /// Keras defaults: a window of 2 along every axis, strides = pool_size, valid padding.
            pub fn new() -> Self {
                Self {
                    base: LayerBase::new($class),
                    pool_size: vec![2; $dims],
                    strides: None,
                    padding: Padding::Valid,
                    input_shape: None,
                    bad_padding: None,
                }
            }
            /// Keras `pool_size=`: window size (default 2).
            pub fn pool_size(mut self, p: impl IntoDims) -> Self {
                self.pool_size = p.dims($dims);
                self
            }
            /// Keras `strides=`: step between windows (default: `pool_size`).
            pub fn strides(mut self, s: impl IntoDims) -> Self {
                self.strides = Some(s.dims($dims));
                self
            }
            /// `"valid"` or `"same"`; an unknown name is reported by `build`.
            pub fn padding(mut self, p: &str) -> Self {
                match Padding::from_name($class, p, false) {
                    Ok(p) => self.padding = p,
                    Err(_) => self.bad_padding = Some(p.to_string()),
                }
                self
            }
            /// Keras `name=`: the layer's name (default: a unique name from the class, e.g.
            /// `dense_1`).
            pub fn name(mut self, name: &str) -> Self {
                self.base.name = Some(name.to_string());
                self
            }
            /// Keras `input_shape=`: shape of one sample (without the batch axis); builds the model
            /// when it is the first layer.
            pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
                self.input_shape = Some(shape.to_vec());
                self
            }
            /// Rebuild from a Keras 2 or 3 config.
            pub fn from_config(cfg: &Json) -> Result<Self> {
                let c = Cfg::new($class, cfg);
                let mut l = Self::new();
                l.base = LayerBase::from_config(cfg);
                l.pool_size = int_tuple(&c, "pool_size", $dims, Some(&[2; $dims]))?;
                l.strides = match c.get("strides") {
                    Json::Null => None,
                    _ => Some(int_tuple(&c, "strides", $dims, None)?),
                };
                l.padding = Padding::from_name(
                    concat!($class, " config"),
                    c.str_or("padding", "valid"),
                    false,
                )?;
                check_channels_last(&c)?;
                l.input_shape = c.declared_input_shape();
                Ok(l)
            }
            fn resolved_strides(&self) -> Vec<usize> {
                self.strides
                    .clone()
                    .unwrap_or_else(|| self.pool_size.clone())
            }
            fn check(&self, s: &Shape) -> Result<Vec<Option<(usize, usize)>>> {
                let name = self.base.name();
                if let Some(p) = &self.bad_padding {
                    Padding::from_name(&format!("layer '{name}'"), p, false)?;
                }
                let strides = self.resolved_strides();
                if self.pool_size.len() != $dims || strides.len() != $dims {
                    return Err(LayerError::config(
                        format!("layer '{name}'"),
                        format!("pool_size and strides need {} entries", $dims),
                    ));
                }
                positive(name, "pool_size and strides", &self.pool_size)?;
                positive(name, "pool_size and strides", &strides)?;
                if s.len() != $dims + 2 {
                    return Err(LayerError::input(
                        name,
                        if $dims == 1 {
                            "input of rank 3 [batch, steps, channels]"
                        } else {
                            "input of rank 4 [batch, rows, cols, channels]"
                        },
                        s,
                    ));
                }
                pool_out(
                    name,
                    &self.pool_size,
                    &strides,
                    self.padding,
                    &s[1..1 + $dims],
                    s,
                )
            }
        }

        impl Layer for $ty {
            crate::layer_boilerplate!($class);

            fn declared_input_shape(&self) -> Option<Shape> {
                self.input_shape.clone()
            }
            fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
                self.check(&input_shapes[0])?;
                self.base.built = true;
                Ok(())
            }
            fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
                let s = &input_shapes[0];
                let outs = self.check(s)?;
                let mut o = vec![s[0]];
                o.extend(outs.iter().map(|d| d.map(|(n, _)| n)));
                o.push(s[$dims + 1]);
                Ok(vec![o])
            }
            fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
                let x = inputs[0].var(self.base.name())?;
                let shape: Shape = x.shape().iter().map(|&d| Some(d)).collect();
                let outs = self.check(&shape)?;
                let dims = x.shape();
                let o: Vec<(usize, usize)> = outs.into_iter().flatten().collect();
                let st = self.resolved_strides();
                // 1-D data is a 2-D image of height 1.
                let (h, oh, pt, kh, sh) = if $dims == 2 {
                    (dims[1], o[0].0, o[0].1, self.pool_size[0], st[0])
                } else {
                    (1, 1, 0, 1, 1)
                };
                let g = ConvGeom {
                    batch: dims[0],
                    in_h: h,
                    in_w: dims[$dims],
                    channels: dims[$dims + 1],
                    k_h: kh,
                    k_w: self.pool_size[$dims - 1],
                    stride_h: sh,
                    stride_w: st[$dims - 1],
                    dil_h: 1,
                    dil_w: 1,
                    pad_top: pt,
                    pad_left: o[$dims - 1].1,
                    out_h: oh,
                    out_w: o[$dims - 1].0,
                };
                let mut out_shape = vec![dims[0]];
                out_shape.extend(o.iter().map(|d| d.0));
                out_shape.push(dims[$dims + 1]);
                let y = pool_forward(g, $kind, x, &out_shape)?;
                // Keras pooling layers do not support masking: the mask stops here.
                Ok(vec![Flow::float(y)])
            }
            fn params(&self) -> Vec<&Param> {
                Vec::new()
            }
            fn params_mut(&mut self) -> Vec<&mut Param> {
                Vec::new()
            }
            fn get_config(&self) -> Json {
                let mut m = self.base.config();
                m.insert("pool_size".into(), json!(self.pool_size));
                m.insert("padding".into(), json!(self.padding.name()));
                m.insert("strides".into(), json!(self.resolved_strides()));
                m.insert("data_format".into(), json!("channels_last"));
                crate::config::insert_input_shape(&mut m, &self.input_shape);
                Json::Object(m)
            }
        }
    };
}

pooling_layer!(
    MaxPooling1D,
    "MaxPooling1D",
    PoolKind::Max,
    1,
    "Keras `MaxPooling1D(pool_size=2, strides=None, padding=\"valid\")` over `[batch, steps, channels]`."
);
pooling_layer!(
    AveragePooling1D,
    "AveragePooling1D",
    PoolKind::Average,
    1,
    "Keras `AveragePooling1D(pool_size=2, strides=None, padding=\"valid\")`; `same` windows average only real steps."
);
pooling_layer!(
    MaxPooling2D,
    "MaxPooling2D",
    PoolKind::Max,
    2,
    "Keras `MaxPooling2D(pool_size=(2, 2), strides=None, padding=\"valid\")` over NHWC images."
);
pooling_layer!(
    AveragePooling2D,
    "AveragePooling2D",
    PoolKind::Average,
    2,
    "Keras `AveragePooling2D(pool_size=(2, 2), strides=None, padding=\"valid\")` over NHWC images."
);

/// Keras alias `MaxPool1D`.
pub type MaxPool1D = MaxPooling1D;
/// Keras alias `MaxPool2D`.
pub type MaxPool2D = MaxPooling2D;
/// Keras alias `AvgPool1D`.
pub type AvgPool1D = AveragePooling1D;
/// Keras alias `AvgPool2D`.
pub type AvgPool2D = AveragePooling2D;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};
    use kerust_tensor::Tensor;

    fn seq(v: &[f32]) -> Tensor {
        Tensor::from_vec(v.to_vec(), &[1, v.len(), 1]).unwrap()
    }

    fn close(a: &Tensor, b: &[f32]) {
        let a = a.to_vec().unwrap();
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        assert!(
            a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5),
            "{a:?} vs {b:?}"
        );
    }

    #[test]
    fn hand_computed_1d() {
        let x = seq(&[1., 5., 2., 0., 3., 4., 9.]);
        let y = forward(&MaxPooling1D::new(), x.clone()).unwrap();
        assert_eq!(y.shape(), &[1, 3, 1]);
        assert_eq!(y.to_vec().unwrap(), vec![5., 2., 4.]);
        let y = forward(&MaxPooling1D::new().padding("same"), x.clone()).unwrap();
        assert_eq!(y.to_vec().unwrap(), vec![5., 2., 4., 9.]);
        let y = forward(&AveragePooling1D::new().pool_size(3).strides(2), x.clone()).unwrap();
        close(&y, &[8. / 3., 5. / 3., 16. / 3.]);
        // Same padding: the last window holds only the 9 (padding is not averaged in).
        let y = forward(&AveragePooling1D::new().padding("same"), x).unwrap();
        assert_eq!(y.to_vec().unwrap(), vec![3., 1., 3.5, 9.]);
    }

    #[test]
    fn hand_computed_2d_and_shapes() {
        let x = Tensor::from_vec((0..16).map(|v| v as f32).collect(), &[1, 4, 4, 1]).unwrap();
        let y = forward(&MaxPool2D::new(), x.clone()).unwrap();
        assert_eq!(y.shape(), &[1, 2, 2, 1]);
        assert_eq!(y.to_vec().unwrap(), vec![5., 7., 13., 15.]);
        let y = forward(&AveragePooling2D::new(), x).unwrap();
        assert_eq!(y.to_vec().unwrap(), vec![2.5, 4.5, 10.5, 12.5]);
        let s = MaxPooling2D::new()
            .compute_output_shape(&[vec![None, Some(26), Some(26), Some(32)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(13), Some(13), Some(32)]);
        let e = MaxPooling1D::new()
            .pool_size(4)
            .compute_output_shape(&[vec![None, Some(3), Some(2)]])
            .unwrap_err();
        assert!(e.to_string().contains("pool_size [4]"), "{e}");
        let e = MaxPooling2D::new()
            .compute_output_shape(&[vec![None, Some(3), Some(2)]])
            .unwrap_err();
        assert!(e.to_string().contains("rank 4"), "{e}");
    }

    #[test]
    fn gradients_and_configs() {
        check_layer_gradients(MaxPooling1D::new(), &[2, 6, 3]);
        check_layer_gradients(
            MaxPooling1D::new().pool_size(3).strides(1).padding("same"),
            &[2, 5, 2],
        );
        check_layer_gradients(AveragePooling1D::new().padding("same"), &[2, 5, 2]);
        check_layer_gradients(MaxPooling2D::new().padding("same"), &[1, 3, 5, 2]);
        check_layer_gradients(
            AveragePooling2D::new().pool_size((2, 3)).strides(1),
            &[1, 3, 4, 2],
        );
        check_config_round_trip(MaxPooling1D::new().pool_size(3), MaxPooling1D::from_config);
        check_config_round_trip(
            MaxPool2D::new().pool_size((3, 2)).padding("same"),
            MaxPooling2D::from_config,
        );
        check_config_round_trip(AveragePooling1D::new(), AveragePooling1D::from_config);
    }
}
