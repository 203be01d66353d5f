//! `Conv2D`: spatial convolution over NHWC images `[batch, rows, cols, channels]`, one fused node.
use super::conv1d::check_channels_last;
use super::fused::conv_forward;
use super::im2col::ConvGeom;
use super::padding::{out_len, Padding};
use super::tuple_arg::{int_tuple, positive};
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Conv2D(filters, kernel_size, strides=(1, 1), padding="valid", dilation_rate=(1, 1),
/// activation=None, use_bias=True, ...)`. Kernel `[kh, kw, in_channels, filters]`, bias `[filters]`.
#[derive(Debug, Clone)]
pub struct Conv2D {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Number of output channels.
    pub filters: usize,
    /// `(rows, cols)` of the window.
    pub kernel_size: (usize, usize),
    /// Step between windows, `(rows, cols)`.
    pub strides: (usize, usize),
    /// `valid` or `same`.
    pub padding: Padding,
    /// Spacing between kernel taps, `(rows, cols)`.
    pub dilation_rate: (usize, usize),
    /// Activation applied to the output (Keras default `None`, i.e. linear).
    pub activation: Activation,
    /// Whether the layer adds a bias vector (default `True`).
    pub use_bias: bool,
    /// Initializer of the kernel (default `glorot_uniform`).
    pub kernel_initializer: Initializer,
    /// Initializer of the bias (default `zeros`).
    pub bias_initializer: Initializer,
    /// Penalty on the kernel added to the loss (default none).
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias added to the loss (default none).
    pub bias_regularizer: Option<Regularizer>,
    /// Input shape without batch (`(rows, cols, channels)`) when first in a `Sequential`.
    pub input_shape: Option<Shape>,
    bad_padding: Option<String>,
    kernel: Option<Param>,
    bias: Option<Param>,
}

impl Conv2D {
    /// `filters` output channels with a `(kh, kw)` window, Keras defaults otherwise.
    pub fn new(filters: usize, kernel_size: (usize, usize)) -> Self {
        Self {
            base: LayerBase::new("Conv2D"),
            filters,
            kernel_size,
            strides: (1, 1),
            padding: Padding::Valid,
            dilation_rate: (1, 1),
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            input_shape: None,
            bad_padding: None,
            kernel: None,
            bias: None,
        }
    }
    /// Keras `strides=`: step between windows.
    pub fn strides(mut self, s: (usize, usize)) -> Self {
        self.strides = s;
        self
    }
    /// `"valid"` or `"same"`; an unknown name is reported by `build`.
    pub fn padding(mut self, p: &str) -> Self {
        match Padding::from_name("Conv2D", p, false) {
            Ok(p) => self.padding = p,
            Err(_) => self.bad_padding = Some(p.to_string()),
        }
        self
    }
    /// Keras `dilation_rate=`: spacing between kernel taps (default 1).
    pub fn dilation_rate(mut self, d: (usize, usize)) -> Self {
        self.dilation_rate = d;
        self
    }
    /// Keras `activation=`: activation applied to the output (Keras default `None`, i.e. linear).
    pub fn activation(mut self, a: impl Into<Activation>) -> Self {
        self.activation = a.into();
        self
    }
    /// Keras `use_bias=`: whether the layer adds a bias vector (default `True`).
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }
    /// Keras `kernel_initializer=`: initializer of the kernel (default `glorot_uniform`).
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    /// Keras `bias_initializer=`: initializer of the bias (default `zeros`).
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    /// Keras `kernel_regularizer=`: penalty on the kernel added to the loss (default none).
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.kernel_regularizer = Some(r);
        self
    }
    /// Keras `bias_regularizer=`: penalty on the bias added to the loss (default none).
    pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
        self.bias_regularizer = Some(r);
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Per-sample input shape `(rows, cols, channels)`.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.iter().map(|&d| Some(d)).collect());
        self
    }

    /// Rebuild from a Keras 2 or 3 config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Conv2D", cfg);
        let k = int_tuple(&c, "kernel_size", 2, None)?;
        let mut l = Conv2D::new(c.usize("filters")?, (k[0], k[1]));
        l.base = LayerBase::from_config(cfg);
        let s = int_tuple(&c, "strides", 2, Some(&[1, 1]))?;
        l.strides = (s[0], s[1]);
        let d = int_tuple(&c, "dilation_rate", 2, Some(&[1, 1]))?;
        l.dilation_rate = (d[0], d[1]);
        l.padding = Padding::from_name("Conv2D config", c.str_or("padding", "valid"), false)?;
        check_channels_last(&c)?;
        if c.get("groups").as_u64().is_some_and(|g| g != 1) {
            return Err(LayerError::config(
                "Conv2D config",
                "groups other than 1 are not supported",
            ));
        }
        l.activation = Activation::from_name(c.str_or("activation", "linear"))?;
        l.use_bias = c.bool_or("use_bias", true);
        if !c.get("kernel_initializer").is_null() {
            l.kernel_initializer = Initializer::from_config(c.get("kernel_initializer"))?;
        }
        if !c.get("bias_initializer").is_null() {
            l.bias_initializer = Initializer::from_config(c.get("bias_initializer"))?;
        }
        l.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        l.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        l.input_shape = c.declared_input_shape();
        Ok(l)
    }

    fn check_options(&self) -> Result<()> {
        let name = self.base.name();
        if let Some(p) = &self.bad_padding {
            Padding::from_name(&format!("layer '{name}'"), p, false)?;
        }
        positive(
            name,
            "filters, kernel_size, strides and dilation_rate",
            &[
                self.filters,
                self.kernel_size.0,
                self.kernel_size.1,
                self.strides.0,
                self.strides.1,
                self.dilation_rate.0,
                self.dilation_rate.1,
            ],
        )?;
        if self.strides.0.max(self.strides.1) > 1
            && self.dilation_rate.0.max(self.dilation_rate.1) > 1
        {
            return Err(LayerError::config(
                format!("layer '{name}'"),
                format!(
                    "strides > 1 cannot be combined with dilation_rate > 1 (got strides={:?}, dilation_rate={:?})",
                    self.strides, self.dilation_rate
                ),
            ));
        }
        Ok(())
    }

    /// `(out_h, pad_top, out_w, pad_left)` for an `h × w` input.
    fn out_size(
        &self,
        h: usize,
        w: usize,
        shape: &dyn std::fmt::Debug,
    ) -> Result<(usize, usize, usize, usize)> {
        let err = || {
            LayerError::input(
                self.base.name(),
                format!(
                    "an image at least as large as the dilated {:?} kernel with padding \"valid\"; use padding=\"same\" or a smaller kernel",
                    self.kernel_size
                ),
                shape,
            )
        };
        let (oh, pt) = out_len(
            self.padding,
            h,
            self.kernel_size.0,
            self.strides.0,
            self.dilation_rate.0,
        )
        .ok_or_else(err)?;
        let (ow, pl) = out_len(
            self.padding,
            w,
            self.kernel_size.1,
            self.strides.1,
            self.dilation_rate.1,
        )
        .ok_or_else(err)?;
        Ok((oh, pt, ow, pl))
    }
}

fn rank4_channels(layer: &str, s: &Shape) -> Result<usize> {
    match s.as_slice() {
        [_, _, _, Some(c)] => Ok(*c),
        _ => Err(LayerError::input(
            layer,
            "input of rank 4 [batch, rows, cols, channels] with known channels; Reshape grayscale images to (rows, cols, 1)",
            s,
        )),
    }
}

impl Layer for Conv2D {
    crate::layer_boilerplate!("Conv2D");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        self.check_options()?;
        let s = &input_shapes[0];
        let c = rank4_channels(self.base.name(), s)?;
        if let (Some(h), Some(w)) = (s[1], s[2]) {
            self.out_size(h, w, s)?;
        }
        let (kh, kw) = self.kernel_size;
        let shape = [kh, kw, c, self.filters];
        crate::param::checked_weight_numel(self.base.name(), "kernel", &shape)?;
        let kernel = self.kernel_initializer.init(&shape, rng)?;
        self.kernel = Some(Param::new("kernel", kernel).with_regularizer(self.kernel_regularizer));
        if self.use_bias {
            let bias = self.bias_initializer.init(&[self.filters], rng)?;
            self.bias = Some(Param::new("bias", bias).with_regularizer(self.bias_regularizer));
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let s = &input_shapes[0];
        rank4_channels(self.base.name(), s)?;
        let one = |len: Option<usize>, k: usize, st: usize, d: usize| -> Result<Option<usize>> {
            match len {
                None => Ok(None),
                Some(n) => out_len(self.padding, n, k, st, d)
                    .map(|(o, _)| Some(o))
                    .ok_or_else(|| {
                        LayerError::input(
                            self.base.name(),
                            format!(
                                "an image at least as large as the dilated {:?} kernel with padding \"valid\"",
                                self.kernel_size
                            ),
                            s,
                        )
                    }),
            }
        };
        let oh = one(
            s[1],
            self.kernel_size.0,
            self.strides.0,
            self.dilation_rate.0,
        )?;
        let ow = one(
            s[2],
            self.kernel_size.1,
            self.strides.1,
            self.dilation_rate.1,
        )?;
        Ok(vec![vec![s[0], oh, ow, Some(self.filters)]])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let kp = self
            .kernel
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))?;
        let c = kp.value.shape()[2];
        let [b, h, w, xc] = *x.shape() else {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank 4 [batch, rows, cols, channels]",
                x.shape(),
            ));
        };
        if xc != c {
            return Err(LayerError::input(
                self.base.name(),
                format!("{c} channels (the layer was built for them)"),
                x.shape(),
            ));
        }
        let (oh, pt, ow, pl) = self.out_size(h, w, &x.shape())?;
        let g = ConvGeom {
            batch: b,
            in_h: h,
            in_w: w,
            channels: c,
            k_h: self.kernel_size.0,
            k_w: self.kernel_size.1,
            stride_h: self.strides.0,
            stride_w: self.strides.1,
            dil_h: self.dilation_rate.0,
            dil_w: self.dilation_rate.1,
            pad_top: pt,
            pad_left: pl,
            out_h: oh,
            out_w: ow,
        };
        let wv = ctx.param(kp)?;
        let bias = match &self.bias {
            Some(p) => Some(ctx.param(p)?),
            None => None,
        };
        let y = conv_forward(
            g,
            x,
            &wv,
            bias.as_ref(),
            self.activation,
            &[b, oh, ow, self.filters],
        )?;
        Ok(vec![Flow::float(y)])
    }

    fn params(&self) -> Vec<&Param> {
        self.kernel.iter().chain(self.bias.iter()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel.iter_mut().chain(self.bias.iter_mut()).collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("filters".into(), json!(self.filters));
        m.insert(
            "kernel_size".into(),
            json!([self.kernel_size.0, self.kernel_size.1]),
        );
        m.insert("strides".into(), json!([self.strides.0, self.strides.1]));
        m.insert("padding".into(), json!(self.padding.name()));
        m.insert("data_format".into(), json!("channels_last"));
        m.insert(
            "dilation_rate".into(),
            json!([self.dilation_rate.0, self.dilation_rate.1]),
        );
        m.insert("groups".into(), json!(1));
        m.insert("activation".into(), json!(self.activation.name()));
        m.insert("use_bias".into(), json!(self.use_bias));
        crate::config::insert_weight_options(
            &mut m,
            "kernel",
            &self.kernel_initializer,
            self.kernel_regularizer,
        );
        crate::config::insert_weight_options(
            &mut m,
            "bias",
            &self.bias_initializer,
            self.bias_regularizer,
        );
        m.insert("activity_regularizer".into(), Json::Null);
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};
    use kerust_tensor::Tensor;

    #[test]
    fn lecture_parameter_count_and_shape() {
        let mut l = Conv2D::new(32, (3, 3)).activation("relu");
        l.build(
            &[vec![None, Some(28), Some(28), Some(1)]],
            &mut Rng::seed(0),
        )
        .unwrap();
        assert_eq!(l.count_params(), 320);
        let s = l
            .compute_output_shape(&[vec![None, Some(28), Some(28), Some(1)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(26), Some(26), Some(32)]);
    }

    #[test]
    fn hand_computed_sum_kernel() {
        // A 2x2 all-ones kernel sums each window of a 3x3 ramp.
        let mut l = Conv2D::new(1, (2, 2)).use_bias(false);
        l.build(&[vec![None, Some(3), Some(3), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[Tensor::ones(&[2, 2, 1, 1]).unwrap()])
            .unwrap();
        let x = Tensor::from_vec((0..9).map(|v| v as f32).collect(), &[1, 3, 3, 1]).unwrap();
        let y = forward(&l, x).unwrap();
        assert_eq!(y.shape(), &[1, 2, 2, 1]);
        assert_eq!(y.to_vec().unwrap(), vec![8., 12., 20., 24.]);
    }

    #[test]
    fn bad_inputs_and_gradients() {
        let mut l = Conv2D::new(2, (3, 3));
        let e = l
            .build(&[vec![None, Some(2), Some(5), Some(1)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(e.to_string().contains("at least as large"), "{e}");
        let e = l
            .build(&[vec![None, Some(5), Some(5)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(e.to_string().contains("rank 4"), "{e}");
        assert!(Conv2D::new(1, (2, 2))
            .padding("causal")
            .build(&[vec![None, Some(4), Some(4), Some(1)]], &mut Rng::seed(0))
            .is_err());
        check_layer_gradients(Conv2D::new(2, (2, 2)), &[2, 3, 4, 2]);
        check_layer_gradients(
            Conv2D::new(2, (3, 2))
                .padding("same")
                .strides((2, 1))
                .activation("relu"),
            &[1, 5, 3, 2],
        );
        check_layer_gradients(Conv2D::new(1, (2, 2)).dilation_rate((2, 1)), &[1, 4, 3, 1]);
        check_config_round_trip(
            Conv2D::new(4, (3, 3)).padding("same").strides((2, 2)),
            Conv2D::from_config,
        );
    }
}
