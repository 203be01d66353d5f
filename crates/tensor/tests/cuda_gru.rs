//! The fused CUDA GRU (`cuda_backend::gru_forward` / `gru_backward`, Keras `reset_after=True`)
//! against an f64 CPU reference: outputs against the reference forward, gradients against its
//! central finite differences (1e-4). Without a GPU the device tests print
//! "skipped: no CUDA device"; the reference itself is checked by hand on every machine.
mod cuda_common;
use cuda_common::gpu;
use kerust_tensor::cuda_backend::{self, GruInputs};
use kerust_tensor::{Device, Rng, Tensor};

/// One GRU problem in f64; `p` holds x, h0, kernel, recurrent_kernel, bias `[2, 3u]`.
#[derive(Clone)]
struct Case {
    b: usize,
    t: usize,
    d: usize,
    u: usize,
    p: [Vec<f64>; 5],
    has_bias: bool,
    mask: Option<Vec<f64>>,
    go_backwards: bool,
    return_sequences: bool,
}

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Reference forward: (output, h), Keras semantics.
fn reference(c: &Case) -> [Vec<f64>; 2] {
    let (b, t, d, u) = (c.b, c.t, c.d, c.u);
    let [x, h0, w, r, bias] = &c.p;
    let mut h = h0.clone();
    let mut seq = vec![0.0; b * t * u];
    for k in 0..t {
        let step = if c.go_backwards { t - 1 - k } else { k };
        for bi in 0..b {
            let mut xz = vec![0.0; 3 * u];
            let mut rz = vec![0.0; 3 * u];
            for j in 0..3 * u {
                let (mut v, mut q) = if c.has_bias {
                    (bias[j], bias[3 * u + j])
                } else {
                    (0.0, 0.0)
                };
                for i in 0..d {
                    v += x[(bi * t + step) * d + i] * w[i * 3 * u + j];
                }
                for i in 0..u {
                    q += h[bi * u + i] * r[i * 3 * u + j];
                }
                xz[j] = v;
                rz[j] = q;
            }
            if c.mask.as_ref().is_none_or(|m| m[bi * t + step] != 0.0) {
                for j in 0..u {
                    let z = sig(xz[j] + rz[j]);
                    let rr = sig(xz[u + j] + rz[u + j]);
                    let hh = (xz[2 * u + j] + rr * rz[2 * u + j]).tanh();
                    h[bi * u + j] = z * h[bi * u + j] + (1.0 - z) * hh;
                }
            }
            seq[(bi * t + k) * u..(bi * t + k + 1) * u].copy_from_slice(&h[bi * u..(bi + 1) * u]);
        }
    }
    let out = if c.return_sequences { seq } else { h.clone() };
    [out, h]
}

fn loss(c: &Case, g: &[Vec<f64>; 2]) -> f64 {
    reference(c)
        .iter()
        .zip(g)
        .map(|(o, w)| o.iter().zip(w).map(|(a, b)| a * b).sum::<f64>())
        .sum()
}

fn numeric_grads(c: &Case, g: &[Vec<f64>; 2]) -> Vec<Vec<f64>> {
    let eps = 1e-6;
    (0..5)
        .map(|which| {
            (0..c.p[which].len())
                .map(|i| {
                    let mut cp = c.clone();
                    cp.p[which][i] += eps;
                    let up = loss(&cp, g);
                    cp.p[which][i] -= 2.0 * eps;
                    (up - loss(&cp, g)) / (2.0 * eps)
                })
                .collect()
        })
        .collect()
}

fn rand_vec(n: usize, scale: f32, rng: &mut Rng) -> Vec<f64> {
    (0..n).map(|_| rng.uniform(-scale, scale) as f64).collect()
}

fn case(b: usize, t: usize, d: usize, u: usize, seed: u64) -> Case {
    let mut rng = Rng::seed(seed);
    Case {
        b,
        t,
        d,
        u,
        p: [
            rand_vec(b * t * d, 1.0, &mut rng),
            rand_vec(b * u, 0.5, &mut rng),
            rand_vec(d * 3 * u, 0.6, &mut rng),
            rand_vec(u * 3 * u, 0.6, &mut rng),
            rand_vec(2 * 3 * u, 0.3, &mut rng),
        ],
        has_bias: true,
        mask: None,
        go_backwards: false,
        return_sequences: true,
    }
}

fn dev_tensor(v: &[f64], shape: &[usize], dev: Device) -> Tensor {
    Tensor::from_vec(v.iter().map(|&x| x as f32).collect(), shape)
        .unwrap()
        .to(dev)
        .unwrap()
}

fn assert_close(what: &str, got: &Tensor, want: &[f64]) {
    let g = got.to_vec().unwrap();
    assert_eq!(g.len(), want.len(), "{what}: length");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        let (a, b) = (*a as f64, *b);
        assert!(
            (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
            "{what}[{i}]: cuda {a} vs reference {b}"
        );
    }
}

fn check_on_device(c: &Case, dev: Device) {
    let (b, t, d, u) = (c.b, c.t, c.d, c.u);
    let [x, h0, w, r, bias] = &c.p;
    let x_t = dev_tensor(x, &[b, t, d], dev);
    let h0_t = dev_tensor(h0, &[b, u], dev);
    let w_t = dev_tensor(w, &[d, 3 * u], dev);
    let r_t = dev_tensor(r, &[u, 3 * u], dev);
    let bias_t = dev_tensor(bias, &[2, 3 * u], dev);
    let mask_t = c.mask.as_ref().map(|m| dev_tensor(m, &[b, t], dev));
    let out = cuda_backend::gru_forward(&GruInputs {
        x: &x_t,
        h0: &h0_t,
        kernel: &w_t,
        recurrent_kernel: &r_t,
        bias: c.has_bias.then_some(&bias_t),
        mask: mask_t.as_ref(),
        go_backwards: c.go_backwards,
        return_sequences: c.return_sequences,
    })
    .unwrap();
    let [ro, rh] = reference(c);
    assert_close("output", &out.output, &ro);
    assert_close("h", &out.h, &rh);
    let mut rng = Rng::seed(98);
    let g = [
        rand_vec(ro.len(), 1.0, &mut rng),
        rand_vec(b * u, 1.0, &mut rng),
    ];
    let go = dev_tensor(&g[0], out.output.shape(), dev);
    let gh = dev_tensor(&g[1], &[b, u], dev);
    let grads = cuda_backend::gru_backward(&out.saved, Some(&go), Some(&gh)).unwrap();
    let num = numeric_grads(c, &g);
    assert_close("dx", &grads.dx, &num[0]);
    assert_close("dh0", &grads.dh0, &num[1]);
    assert_close("dkernel", &grads.dkernel, &num[2]);
    assert_close("drecurrent_kernel", &grads.drecurrent_kernel, &num[3]);
    match (&grads.dbias, c.has_bias) {
        (Some(db), true) => assert_close("dbias", db, &num[4]),
        (None, false) => {}
        other => panic!("dbias presence mismatch: {:?}", other.1),
    }
}

#[test]
fn reference_matches_a_hand_computed_step() {
    let mut c = case(1, 1, 1, 1, 0);
    c.p = [
        vec![0.5],
        vec![0.2],
        vec![0.1, 0.2, 0.3],
        vec![0.5, -0.5, 0.25],
        vec![0.0, 1.0, 0.0, 0.1, 0.0, -0.2],
    ];
    let z = sig(0.05 + 0.0 + 0.1 + 0.1);
    let r = sig(0.1 + 1.0 - 0.1);
    let hh = (0.15 + r * (0.05 - 0.2)).tanh();
    let [out, h] = reference(&c);
    assert!((h[0] - (z * 0.2 + (1.0 - z) * hh)).abs() < 1e-12);
    assert_eq!(out, h);
    c.mask = Some(vec![0.0]);
    assert_eq!(reference(&c)[1][0], 0.2);
}

#[test]
fn fused_gru_matches_reference_forward_and_gradients() {
    let Some(dev) = gpu("fused_gru_matches_reference_forward_and_gradients") else {
        return;
    };
    check_on_device(&case(3, 5, 4, 3, 1), dev);
    let mut masked = case(4, 6, 3, 5, 2);
    masked.mask = Some(
        (0..24)
            .map(|i| {
                if i % 6 == 0 || i == 9 || i >= 22 {
                    0.0
                } else {
                    1.0
                }
            })
            .collect(),
    );
    masked.go_backwards = true;
    check_on_device(&masked, dev);
    masked.return_sequences = false;
    masked.go_backwards = false;
    masked.has_bias = false;
    check_on_device(&masked, dev);
}

#[test]
fn fused_gru_rejects_a_reset_before_bias() {
    let Some(dev) = gpu("fused_gru_rejects_a_reset_before_bias") else {
        let z = Tensor::zeros(&[1, 1, 1]).unwrap();
        let s = Tensor::zeros(&[1, 1]).unwrap();
        let k = Tensor::zeros(&[1, 3]).unwrap();
        let inp = GruInputs {
            x: &z,
            h0: &s,
            kernel: &k,
            recurrent_kernel: &k,
            bias: None,
            mask: None,
            go_backwards: false,
            return_sequences: false,
        };
        assert!(cuda_backend::gru_forward(&inp).is_err());
        return;
    };
    let mk = |s: &[usize]| Tensor::zeros(s).unwrap().to(dev).unwrap();
    let (x, h0, k, r, bias) = (
        mk(&[2, 3, 4]),
        mk(&[2, 5]),
        mk(&[4, 15]),
        mk(&[5, 15]),
        mk(&[15]),
    );
    let inp = GruInputs {
        x: &x,
        h0: &h0,
        kernel: &k,
        recurrent_kernel: &r,
        bias: Some(&bias),
        mask: None,
        go_backwards: false,
        return_sequences: false,
    };
    let e = cuda_backend::gru_forward(&inp).unwrap_err().to_string();
    assert!(e.contains("reset_after"), "{e}");
}
