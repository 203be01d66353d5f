//! The fused CUDA LSTM (`cuda_backend::lstm_forward` / `lstm_backward`) against an f64 CPU
//! reference: outputs against the reference forward, gradients against its central finite
//! differences (1e-4). Without a GPU the device tests print "skipped: no CUDA device"; the
//! reference itself is checked by hand on every machine.
mod cuda_common;
use cuda_common::gpu;
use kerust_tensor::cuda_backend::{self, LstmInputs};
use kerust_tensor::{Device, Rng, Tensor};
use std::io::Write;

/// One LSTM problem in f64; `p` holds x, h0, c0, kernel, recurrent_kernel, bias (in that order).
#[derive(Clone)]
struct Case {
    b: usize,
    t: usize,
    d: usize,
    u: usize,
    p: [Vec<f64>; 6],
    has_bias: bool,
    mask: Option<Vec<f64>>,
    go_backwards: bool,
    return_sequences: bool,
}

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Reference forward: (output, h, c) flattened, Keras semantics.
fn reference(c: &Case) -> [Vec<f64>; 3] {
    let (b, t, d, u) = (c.b, c.t, c.d, c.u);
    let [x, h0, c0, w, r, bias] = &c.p;
    let (mut h, mut cs) = (h0.clone(), c0.clone());
    let mut seq = vec![0.0; b * t * u];
    for k in 0..t {
        let step = if c.go_backwards { t - 1 - k } else { k };
        for bi in 0..b {
            let mut z = vec![0.0; 4 * u];
            for (j, zj) in z.iter_mut().enumerate() {
                let mut v = if c.has_bias { bias[j] } else { 0.0 };
                for i in 0..d {
                    v += x[(bi * t + step) * d + i] * w[i * 4 * u + j];
                }
                for i in 0..u {
                    v += h[bi * u + i] * r[i * 4 * u + j];
                }
                *zj = v;
            }
            let keep = c.mask.as_ref().is_none_or(|m| m[bi * t + step] != 0.0);
            if keep {
                for j in 0..u {
                    let (ig, fg, gg, og) = (
                        sig(z[j]),
                        sig(z[u + j]),
                        z[2 * u + j].tanh(),
                        sig(z[3 * u + j]),
                    );
                    let cn = fg * cs[bi * u + j] + ig * gg;
                    cs[bi * u + j] = cn;
                    h[bi * u + j] = og * cn.tanh();
                }
            }
            seq[(bi * t + k) * u..(bi * t + k + 1) * u].copy_from_slice(&h[bi * u..(bi + 1) * u]);
        }
    }
    let out = if c.return_sequences { seq } else { h.clone() };
    [out, h, cs]
}

fn loss(c: &Case, g: &[Vec<f64>; 3]) -> f64 {
    reference(c)
        .iter()
        .zip(g)
        .map(|(o, w)| o.iter().zip(w).map(|(a, b)| a * b).sum::<f64>())
        .sum()
}

/// Central finite differences of `loss` for every parameter group.
fn numeric_grads(c: &Case, g: &[Vec<f64>; 3]) -> Vec<Vec<f64>> {
    let eps = 1e-6;
    (0..6)
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
            rand_vec(b * u, 0.5, &mut rng),
            rand_vec(d * 4 * u, 0.6, &mut rng),
            rand_vec(u * 4 * u, 0.6, &mut rng),
            rand_vec(4 * u, 0.3, &mut rng),
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
    let [x, h0, c0, w, r, bias] = &c.p;
    let x_t = dev_tensor(x, &[b, t, d], dev);
    let h0_t = dev_tensor(h0, &[b, u], dev);
    let c0_t = dev_tensor(c0, &[b, u], dev);
    let w_t = dev_tensor(w, &[d, 4 * u], dev);
    let r_t = dev_tensor(r, &[u, 4 * u], dev);
    let bias_t = dev_tensor(bias, &[4 * u], dev);
    let mask_t = c.mask.as_ref().map(|m| dev_tensor(m, &[b, t], dev));
    let out = cuda_backend::lstm_forward(&LstmInputs {
        x: &x_t,
        h0: &h0_t,
        c0: &c0_t,
        kernel: &w_t,
        recurrent_kernel: &r_t,
        bias: c.has_bias.then_some(&bias_t),
        mask: mask_t.as_ref(),
        go_backwards: c.go_backwards,
        return_sequences: c.return_sequences,
    })
    .unwrap();
    let [ro, rh, rc] = reference(c);
    assert_close("output", &out.output, &ro);
    assert_close("h", &out.h, &rh);
    assert_close("c", &out.c, &rc);

    let mut rng = Rng::seed(99);
    let g = [
        rand_vec(ro.len(), 1.0, &mut rng),
        rand_vec(b * u, 1.0, &mut rng),
        rand_vec(b * u, 1.0, &mut rng),
    ];
    let go = dev_tensor(&g[0], out.output.shape(), dev);
    let gh = dev_tensor(&g[1], &[b, u], dev);
    let gc = dev_tensor(&g[2], &[b, u], dev);
    let grads = cuda_backend::lstm_backward(&out.saved, Some(&go), Some(&gh), Some(&gc)).unwrap();
    let num = numeric_grads(c, &g);
    assert_close("dx", &grads.dx, &num[0]);
    assert_close("dh0", &grads.dh0, &num[1]);
    assert_close("dc0", &grads.dc0, &num[2]);
    assert_close("dkernel", &grads.dkernel, &num[3]);
    assert_close("drecurrent_kernel", &grads.drecurrent_kernel, &num[4]);
    match (&grads.dbias, c.has_bias) {
        (Some(db), true) => assert_close("dbias", db, &num[5]),
        (None, false) => {}
        other => panic!("dbias presence mismatch: {:?}", other.1),
    }
}

#[test]
fn reference_matches_a_hand_computed_step() {
    // One step, one unit, one feature: every gate pre-activation is x·w + h0·r + b.
    let mut c = case(1, 1, 1, 1, 0);
    c.p = [
        vec![0.5],
        vec![0.2],
        vec![-0.3],
        vec![0.1, 0.2, 0.3, 0.4],
        vec![0.5, -0.5, 0.25, 1.0],
        vec![0.0, 1.0, 0.0, 0.0],
    ];
    let z = |j: usize, bj: f64| 0.5 * c.p[3][j] + 0.2 * c.p[4][j] + bj;
    let (i, f, g, o) = (
        sig(z(0, 0.0)),
        sig(z(1, 1.0)),
        z(2, 0.0).tanh(),
        sig(z(3, 0.0)),
    );
    let cn = f * -0.3 + i * g;
    let [out, h, cs] = reference(&c);
    assert!((cs[0] - cn).abs() < 1e-12);
    assert!((h[0] - o * cn.tanh()).abs() < 1e-12);
    assert_eq!(out, h);
    // A masked step leaves the state untouched.
    c.mask = Some(vec![0.0]);
    let [_, h, cs] = reference(&c);
    assert_eq!((h[0], cs[0]), (0.2, -0.3));
}

#[test]
fn fused_lstm_matches_reference_forward_and_gradients() {
    let Some(dev) = gpu("fused_lstm_matches_reference_forward_and_gradients") else {
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
fn fused_lstm_rejects_bad_shapes() {
    let Some(dev) = gpu("fused_lstm_rejects_bad_shapes") else {
        // Without CUDA the entry point answers with a typed error, never a panic.
        let z = Tensor::zeros(&[1, 1, 1]).unwrap();
        let s = Tensor::zeros(&[1, 1]).unwrap();
        let k = Tensor::zeros(&[1, 4]).unwrap();
        let r = Tensor::zeros(&[1, 4]).unwrap();
        let inp = LstmInputs {
            x: &z,
            h0: &s,
            c0: &s,
            kernel: &k,
            recurrent_kernel: &r,
            bias: None,
            mask: None,
            go_backwards: false,
            return_sequences: false,
        };
        assert!(cuda_backend::lstm_forward(&inp).is_err());
        return;
    };
    let x = Tensor::zeros(&[2, 3, 4]).unwrap().to(dev).unwrap();
    let s = Tensor::zeros(&[2, 5]).unwrap().to(dev).unwrap();
    let k = Tensor::zeros(&[4, 20]).unwrap().to(dev).unwrap();
    let bad_r = Tensor::zeros(&[5, 16]).unwrap().to(dev).unwrap();
    let inp = LstmInputs {
        x: &x,
        h0: &s,
        c0: &s,
        kernel: &k,
        recurrent_kernel: &bad_r,
        bias: None,
        mask: None,
        go_backwards: false,
        return_sequences: false,
    };
    let e = cuda_backend::lstm_forward(&inp).unwrap_err().to_string();
    assert!(e.contains("recurrent_kernel"), "{e}");
}

/// Time per step of forward and forward+backward at batch 256, units 256 (printed, not asserted).
#[test]
fn fused_lstm_step_time_is_reported() {
    let Some(dev) = gpu("fused_lstm_step_time_is_reported") else {
        return;
    };
    let (b, t, d, u) = (256, 100, 256, 256);
    let mut rng = Rng::seed(7);
    let mk = |s: &[usize], rng: &mut Rng| {
        Tensor::rand_uniform(s, -0.1, 0.1, rng)
            .unwrap()
            .to(dev)
            .unwrap()
    };
    let (x, h0, c0) = (
        mk(&[b, t, d], &mut rng),
        mk(&[b, u], &mut rng),
        mk(&[b, u], &mut rng),
    );
    let (w, r, bias) = (
        mk(&[d, 4 * u], &mut rng),
        mk(&[u, 4 * u], &mut rng),
        mk(&[4 * u], &mut rng),
    );
    let g = mk(&[b, u], &mut rng);
    let inp = LstmInputs {
        x: &x,
        h0: &h0,
        c0: &c0,
        kernel: &w,
        recurrent_kernel: &r,
        bias: Some(&bias),
        mask: None,
        go_backwards: false,
        return_sequences: false,
    };
    let run = |backward: bool| {
        let o = cuda_backend::lstm_forward(&inp).unwrap();
        if backward {
            cuda_backend::lstm_backward(&o.saved, Some(&g), None, None).unwrap();
        }
    };
    run(true);
    cuda_backend::synchronize(0).unwrap();
    let reps = 5;
    for backward in [false, true] {
        let t0 = std::time::Instant::now();
        for _ in 0..reps {
            run(backward);
        }
        cuda_backend::synchronize(0).unwrap();
        let per_step = t0.elapsed().as_secs_f64() / (reps * t) as f64 * 1e6;
        let what = if backward {
            "forward+backward"
        } else {
            "forward"
        };
        let _ = writeln!(
            std::io::stderr(),
            "fused LSTM b={b} t={t} d={d} u={u}: {what} {per_step:.1} µs/step"
        );
    }
}
