//! `Conv1D`: temporal convolution over `[batch, steps, channels]`, one fused im2col + GEMM node.
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

/// Keras `Conv1D(filters, kernel_size, strides=1, padding="valid", dilation_rate=1, activation=None,
/// use_bias=True, ...)`. Kernel `[kernel_size, in_channels, filters]`, bias `[filters]`.
#[derive(Debug, Clone)]
pub struct Conv1D {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Number of output channels.
    pub filters: usize,
    /// Taps of the window.
    pub kernel_size: usize,
    /// Step between windows.
    pub strides: usize,
    /// `valid`, `same` or `causal`.
    pub padding: Padding,
    /// Spacing between taps (`strides > 1` with `dilation_rate > 1` is refused, as in Keras).
    pub dilation_rate: usize,
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
    /// Input shape without batch (`(steps, channels)`, steps may be `None`) when first in a `Sequential`.
    pub input_shape: Option<Shape>,
    /// A padding name the builder could not parse, reported by `build`.
    bad_padding: Option<String>,
    kernel: Option<Param>,
    bias: Option<Param>,
}

impl Conv1D {
    /// `filters` output channels, windows of `kernel_size` steps, Keras defaults otherwise.
    pub fn new(filters: usize, kernel_size: usize) -> Self {
        Self {
            base: LayerBase::new("Conv1D"),
            filters,
            kernel_size,
            strides: 1,
            padding: Padding::Valid,
            dilation_rate: 1,
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
    pub fn strides(mut self, s: usize) -> Self {
        self.strides = s;
        self
    }
    /// `"valid"`, `"same"` or `"causal"`; an unknown name is reported by `build`.
    pub fn padding(mut self, p: &str) -> Self {
        match Padding::from_name("Conv1D", p, true) {
            Ok(p) => self.padding = p,
            Err(_) => self.bad_padding = Some(p.to_string()),
        }
        self
    }
    /// Keras `dilation_rate=`: spacing between kernel taps (default 1).
    pub fn dilation_rate(mut self, d: usize) -> Self {
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
    /// Per-sample input shape `(steps, channels)`; steps may be `None`.
    pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    /// Rebuild from a Keras 2 or 3 config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Conv1D", cfg);
        let kernel_size = int_tuple(&c, "kernel_size", 1, None)?[0];
        let mut l = Conv1D::new(c.usize("filters")?, kernel_size);
        l.base = LayerBase::from_config(cfg);
        l.strides = int_tuple(&c, "strides", 1, Some(&[1]))?[0];
        l.dilation_rate = int_tuple(&c, "dilation_rate", 1, Some(&[1]))?[0];
        l.padding = Padding::from_name("Conv1D config", c.str_or("padding", "valid"), true)?;
        check_channels_last(&c)?;
        if c.get("groups").as_u64().is_some_and(|g| g != 1) {
            return Err(LayerError::config(
                "Conv1D config",
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
            Padding::from_name(&format!("layer '{name}'"), p, true)?;
        }
        positive(
            name,
            "filters, kernel_size, strides and dilation_rate",
            &[
                self.filters,
                self.kernel_size,
                self.strides,
                self.dilation_rate,
            ],
        )?;
        if self.strides > 1 && self.dilation_rate > 1 {
            return Err(LayerError::config(
                format!("layer '{name}'"),
                format!(
                    "strides > 1 cannot be combined with dilation_rate > 1 (got strides={}, dilation_rate={})",
                    self.strides, self.dilation_rate
                ),
            ));
        }
        Ok(())
    }

    /// Output steps for `steps` input steps, with the leading pad.
    fn out_steps(&self, steps: usize, shape: &dyn std::fmt::Debug) -> Result<(usize, usize)> {
        out_len(
            self.padding,
            steps,
            self.kernel_size,
            self.strides,
            self.dilation_rate,
        )
        .ok_or_else(|| {
            LayerError::input(
                self.base.name(),
                format!(
                    "at least {} steps for a kernel of size {} (dilation {}) with padding \"valid\"; use padding=\"same\" or a shorter kernel",
                    self.dilation_rate * (self.kernel_size - 1) + 1,
                    self.kernel_size,
                    self.dilation_rate
                ),
                shape,
            )
        })
    }
}

/// Only `channels_last` is supported (the Keras default).
pub(crate) fn check_channels_last(c: &Cfg) -> Result<()> {
    match c.str_or("data_format", "channels_last") {
        "channels_last" => Ok(()),
        other => Err(LayerError::config(
            format!("{} config", c.class),
            format!("data_format '{other}' is not supported; use channels_last"),
        )),
    }
}

fn rank3_channels(layer: &str, s: &Shape) -> Result<usize> {
    match s.as_slice() {
        [_, _, Some(c)] => Ok(*c),
        _ => Err(LayerError::input(
            layer,
            "input of rank 3 [batch, steps, channels] with known channels; add an Embedding or Reshape before Conv1D",
            s,
        )),
    }
}

impl Layer for Conv1D {
    crate::layer_boilerplate!("Conv1D");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        self.check_options()?;
        let s = &input_shapes[0];
        let c = rank3_channels(self.base.name(), s)?;
        if let Some(t) = s[1] {
            self.out_steps(t, s)?;
        }
        let shape = [self.kernel_size, c, self.filters];
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
        rank3_channels(self.base.name(), s)?;
        let t = match s[1] {
            Some(t) => Some(self.out_steps(t, s)?.0),
            None => None,
        };
        Ok(vec![vec![s[0], t, Some(self.filters)]])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let kp = self
            .kernel
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))?;
        let c = kp.value.shape()[1];
        let [b, t, xc] = *x.shape() else {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank 3 [batch, steps, channels]",
                x.shape(),
            ));
        };
        if xc != c {
            return Err(LayerError::input(
                self.base.name(),
                format!("{c} channels per step (the layer was built for them)"),
                x.shape(),
            ));
        }
        let (out_t, pad) = self.out_steps(t, &x.shape())?;
        let g = ConvGeom {
            batch: b,
            in_h: 1,
            in_w: t,
            channels: c,
            k_h: 1,
            k_w: self.kernel_size,
            stride_h: 1,
            stride_w: self.strides,
            dil_h: 1,
            dil_w: self.dilation_rate,
            pad_top: 0,
            pad_left: pad,
            out_h: 1,
            out_w: out_t,
        };
        let w = ctx.param(kp)?;
        let bias = match &self.bias {
            Some(p) => Some(ctx.param(p)?),
            None => None,
        };
        let y = conv_forward(
            g,
            x,
            &w,
            bias.as_ref(),
            self.activation,
            &[b, out_t, self.filters],
        )?;
        // Keras Conv1D does not support masking: the mask stops here.
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
        m.insert("kernel_size".into(), json!([self.kernel_size]));
        m.insert("strides".into(), json!([self.strides]));
        m.insert("padding".into(), json!(self.padding.name()));
        m.insert("data_format".into(), json!("channels_last"));
        m.insert("dilation_rate".into(), json!([self.dilation_rate]));
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
    fn lecture_np_convolve_same() {
        // np.convolve([0,1,2,1,0], [0.2,0.6,0.2], 'same') = [0.2, 1.0, 1.6, 1.0, 0.2].
        let mut l = Conv1D::new(1, 3).padding("same").use_bias(false);
        l.build(&[vec![None, Some(5), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[Tensor::from_vec(vec![0.2, 0.6, 0.2], &[3, 1, 1]).unwrap()])
            .unwrap();
        let x = Tensor::from_vec(vec![0., 1., 2., 1., 0.], &[1, 5, 1]).unwrap();
        let y = forward(&l, x).unwrap().to_vec().unwrap();
        let want = [0.2, 1.0, 1.6, 1.0, 0.2];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{y:?}");
        }
        // Keras convolution is cross-correlation: np.convolve(x, w[::-1], 'same') with an
        // asymmetric w = [0.1, 0.6, 0.3] gives [0.3, 1.2, 1.6, 0.8, 0.1].
        l.set_weights(&[Tensor::from_vec(vec![0.1, 0.6, 0.3], &[3, 1, 1]).unwrap()])
            .unwrap();
        let x = Tensor::from_vec(vec![0., 1., 2., 1., 0.], &[1, 5, 1]).unwrap();
        let y = forward(&l, x).unwrap().to_vec().unwrap();
        for (a, b) in y.iter().zip([0.3, 1.2, 1.6, 0.8, 0.1]) {
            assert!((a - b).abs() < 1e-6, "{y:?}");
        }
    }

    #[test]
    fn lecture_parameter_counts_and_shapes() {
        for (f, k, c, want) in [(32, 5, 128, 20512), (5, 2, 50, 505)] {
            let mut l = Conv1D::new(f, k);
            l.build(&[vec![None, Some(15), Some(c)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want);
        }
        let l = Conv1D::new(32, 5);
        let s = l
            .compute_output_shape(&[vec![None, Some(15), Some(128)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(11), Some(32)]);
        let l = Conv1D::new(4, 3).strides(2).padding("same");
        let s = l
            .compute_output_shape(&[vec![None, Some(9), Some(2)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(5), Some(4)]);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut l = Conv1D::new(2, 5);
        let e = l
            .build(&[vec![None, Some(3), Some(4)]], &mut Rng::seed(0))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("at least 5 steps") && e.contains("[None, Some(3), Some(4)]"),
            "{e}"
        );
        let e = l
            .build(&[vec![None, Some(4)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(matches!(e, LayerError::Input { .. }), "{e}");
        let mut l = Conv1D::new(2, 2).strides(2).dilation_rate(2);
        assert!(l
            .build(&[vec![None, Some(8), Some(1)]], &mut Rng::seed(0))
            .is_err());
        let mut l = Conv1D::new(2, 2).padding("full");
        let e = l
            .build(&[vec![None, Some(8), Some(1)]], &mut Rng::seed(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown padding"), "{e}");
        // Built for 4 channels, called on 3.
        let mut l = Conv1D::new(2, 2);
        l.build(&[vec![None, None, Some(4)]], &mut Rng::seed(0))
            .unwrap();
        let e = forward(&l, Tensor::zeros(&[1, 5, 3]).unwrap()).unwrap_err();
        assert!(e.to_string().contains("4 channels"), "{e}");
        let e = forward(&l, Tensor::zeros(&[1, 1, 4]).unwrap()).unwrap_err();
        assert!(e.to_string().contains("at least 2 steps"), "{e}");
    }

    #[test]
    fn kernel_regularizer_adds_its_penalty_while_training() {
        let mut l = Conv1D::new(1, 2)
            .use_bias(false)
            .kernel_regularizer(crate::regularizers::l2(0.5));
        l.build(&[vec![None, Some(3), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[Tensor::from_vec(vec![1.0, -2.0], &[2, 1, 1]).unwrap()])
            .unwrap();
        let tape = kerust_autograd::Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let x = tape.constant(Tensor::ones(&[1, 3, 1]).unwrap());
        l.call(&[Flow::float(x)], &mut ctx).unwrap();
        assert_eq!(ctx.losses.len(), 1);
        // 0.5 · (1 + 4)
        assert_eq!(ctx.losses[0].value().item().unwrap(), 2.5);
    }

    #[test]
    fn gradients_every_padding_and_activation() {
        check_layer_gradients(Conv1D::new(3, 2), &[2, 5, 2]);
        check_layer_gradients(Conv1D::new(2, 3).padding("same").strides(2), &[2, 6, 3]);
        check_layer_gradients(
            Conv1D::new(2, 2)
                .padding("causal")
                .dilation_rate(2)
                .activation("tanh"),
            &[2, 5, 2],
        );
        check_layer_gradients(
            Conv1D::new(2, 3).activation("elu").use_bias(false),
            &[1, 4, 2],
        );
        check_config_round_trip(
            Conv1D::new(8, 3)
                .padding("causal")
                .dilation_rate(2)
                .activation("relu")
                .kernel_regularizer(crate::regularizers::l2(0.01)),
            Conv1D::from_config,
        );
    }
}
