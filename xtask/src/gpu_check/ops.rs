//! CPU-vs-CUDA parity of the tensor ops a text model's step uses: elementwise (with
//! broadcasting), reductions, softmax, GEMMs, embedding gather and its scatter-add gradient,
//! layout ops. Gradient kernels (`sum_to_shape`, `scatter_add_rows`, transposed GEMMs) are ops
//! here too, so their parity is checked at the forward tolerance.
use super::report::{Report, FORWARD_TOL};
use kerust_tensor::{Device, IntTensor, Rng, Tensor};

type OpResult = kerust_tensor::Result<Tensor>;

fn dev() -> Device {
    Device::Cuda(0)
}

/// Random data: uniform in `[lo, hi)`.
fn rand(shape: &[usize], lo: f32, hi: f32, rng: &mut Rng) -> Tensor {
    Tensor::rand_uniform(shape, lo, hi, rng).expect("small fixed shapes")
}

/// Run `f` on CPU inputs and on their CUDA copies.
fn both(inputs: &[&Tensor], f: &dyn Fn(&[Tensor]) -> OpResult) -> Result<(Tensor, Tensor), String> {
    let cpu: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    let gpu = inputs
        .iter()
        .map(|t| t.to(dev()))
        .collect::<kerust_tensor::Result<Vec<_>>>()
        .map_err(|e| format!("copy to device: {e}"))?;
    let c = f(&cpu).map_err(|e| format!("cpu: {e}"))?;
    let g = f(&gpu).map_err(|e| format!("cuda: {e}"))?;
    if !g.is_cuda() {
        return Err("the result came back on the host: the op has no CUDA path".into());
    }
    Ok((c, g))
}

/// Every op, compared at `FORWARD_TOL`.
pub fn check_all(r: &mut Report) {
    let mut rng = Rng::seed(17);
    let x = rand(&[4, 5, 6], -2.0, 2.0, &mut rng);
    let pos = rand(&[4, 5, 6], 0.1, 3.0, &mut rng);
    let row = rand(&[6], -1.0, 1.0, &mut rng);
    let col = rand(&[5, 1], 0.5, 2.0, &mut rng);

    type Unary = (&'static str, fn(&Tensor) -> OpResult);
    let unary: [Unary; 14] = [
        ("exp", |t| t.exp()),
        ("tanh", |t| t.tanh()),
        ("sigmoid", |t| t.sigmoid()),
        ("relu", |t| t.relu()),
        ("neg", |t| t.neg()),
        ("abs", |t| t.abs()),
        ("sign", |t| t.sign()),
        ("square", |t| t.square()),
        ("clip", |t| t.clip(-0.5, 0.5)),
        ("add_scalar", |t| t.add_scalar(0.25)),
        ("mul_scalar", |t| t.mul_scalar(-1.5)),
        ("log", |t| t.abs()?.add_scalar(0.1)?.log()),
        ("sqrt", |t| t.abs()?.sqrt()),
        ("powf", |t| t.abs()?.add_scalar(0.1)?.powf(2.5)),
    ];
    for (name, f) in unary {
        r.compare(name, FORWARD_TOL, both(&[&x], &|v| f(&v[0])));
    }

    type Binary = (&'static str, fn(&Tensor, &Tensor) -> OpResult);
    let binary: [Binary; 5] = [
        ("add", |a, b| a.add(b)),
        ("sub", |a, b| a.sub(b)),
        ("mul", |a, b| a.mul(b)),
        ("div", |a, b| a.div(b)),
        ("maximum", |a, b| a.maximum(b)),
    ];
    for (name, f) in binary {
        r.compare(name, FORWARD_TOL, both(&[&x, &pos], &|v| f(&v[0], &v[1])));
        let bname = format!("{name} broadcast [4,5,6]x[6]");
        r.compare(&bname, FORWARD_TOL, both(&[&x, &row], &|v| f(&v[0], &v[1])));
        let cname = format!("{name} broadcast [4,5,6]x[5,1]");
        r.compare(&cname, FORWARD_TOL, both(&[&x, &col], &|v| f(&v[0], &v[1])));
    }

    type Reduce = (&'static str, fn(&Tensor) -> OpResult);
    let reductions: [Reduce; 11] = [
        ("sum_axis 0", |t| t.sum_axis(0, false)),
        ("sum_axis -1 keepdim", |t| t.sum_axis(-1, true)),
        ("mean_axis 1", |t| t.mean_axis(1, false)),
        ("max_axis -1", |t| t.max_axis(-1, false)),
        ("sum_axis 2", |t| t.sum_axis(2, false)),
        ("mean_axis 0 keepdim", |t| t.mean_axis(0, true)),
        ("softmax -1", |t| t.softmax(-1)),
        ("log_softmax -1", |t| t.log_softmax(-1)),
        ("softmax 1", |t| t.softmax(1)),
        ("sum_to_shape [5,1]", |t| t.sum_to_shape(&[5, 1])),
        ("broadcast_to [3,4,5,6]", |t| t.broadcast_to(&[3, 4, 5, 6])),
    ];
    for (name, f) in reductions {
        r.compare(name, FORWARD_TOL, both(&[&x], &|v| f(&v[0])));
    }

    // GEMMs at a text model's shapes (batch 32, embedding 128, units 64), all transpositions.
    let a = rand(&[32, 128], -1.0, 1.0, &mut rng);
    let at = rand(&[128, 32], -1.0, 1.0, &mut rng);
    let w = rand(&[128, 256], -0.1, 0.1, &mut rng);
    let wt = rand(&[256, 128], -0.1, 0.1, &mut rng);
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let (lhs, rhs) = (if ta { &at } else { &a }, if tb { &wt } else { &w });
        r.compare(
            &format!("matmul_t ta={ta} tb={tb}"),
            FORWARD_TOL,
            both(&[lhs, rhs], &|v| v[0].matmul_t(ta, &v[1], tb)),
        );
    }
    let ba = rand(&[3, 15, 64], -1.0, 1.0, &mut rng);
    let bb = rand(&[3, 15, 64], -1.0, 1.0, &mut rng);
    r.compare(
        "bmm_t a·bᵀ",
        FORWARD_TOL,
        both(&[&ba, &bb], &|v| v[0].bmm_t(false, &v[1], true)),
    );
    r.compare(
        "bmm_t aᵀ·b",
        FORWARD_TOL,
        both(&[&ba, &bb], &|v| v[0].bmm_t(true, &v[1], false)),
    );

    // Embedding lookup and its row-sparse gradient, repeated ids included.
    let table = rand(&[1000, 128], -0.05, 0.05, &mut rng);
    let ids: Vec<i64> = (0..32 * 15).map(|_| rng.below(1000) as i64).collect();
    let ids = IntTensor::from_vec(ids, &[32, 15]).expect("ids");
    r.compare(
        "gather_rows (Embedding)",
        FORWARD_TOL,
        both(&[&table], &|v| v[0].gather_rows(&ids)),
    );
    let g = rand(&[32, 15, 128], -1.0, 1.0, &mut rng);
    r.compare(
        "scatter_add_rows (Embedding gradient)",
        FORWARD_TOL,
        both(&[&g], &|v| v[0].scatter_add_rows(&ids, 1000)),
    );

    // Layout.
    r.compare(
        "transpose [0,2,1]",
        FORWARD_TOL,
        both(&[&x], &|v| v[0].transpose(&[0, 2, 1])),
    );
    r.compare(
        "concat axis -1",
        FORWARD_TOL,
        both(&[&x, &pos], &|v| Tensor::concat(&[&v[0], &v[1]], -1)),
    );
    r.compare(
        "slice axis 1",
        FORWARD_TOL,
        both(&[&x], &|v| v[0].slice(1, 1, 3)),
    );
    r.compare(
        "select_rows",
        FORWARD_TOL,
        both(&[&x], &|v| v[0].select_rows(&[3, 0, 2])),
    );
    r.compare("flip axis 1", FORWARD_TOL, both(&[&x], &|v| v[0].flip(1)));
}
