//! Every tensor op on CUDA against the CPU result (1e-4). Without a GPU each test prints
//! "skipped: no CUDA device"; the error-path tests run everywhere.
mod cuda_common;
use cuda_common::{close, gpu, rand};
use kerust_tensor::{cuda_backend, Device, IntTensor, Rng, Tensor, TensorError};
use std::io::Write;

const TOL: f32 = 1e-4;

#[test]
fn moving_to_cuda_never_panics_and_round_trips_when_present() {
    let x = Tensor::from_vec(vec![1.0, -2.0, 3.5, 0.0, 5.0, 6.0], &[2, 3]).unwrap();
    match x.to(Device::Cuda(0)) {
        Ok(d) => {
            assert!(cuda_backend::is_available());
            assert_eq!(d.device(), Device::Cuda(0));
            assert!(d.as_slice().is_err(), "device data is not host-borrowable");
            assert_eq!(
                d.to(Device::Cpu).unwrap().to_vec().unwrap(),
                x.to_vec().unwrap()
            );
            assert_eq!(d.to_vec().unwrap(), x.to_vec().unwrap());
        }
        Err(e) => {
            assert!(!cuda_backend::is_available());
            assert!(
                matches!(
                    e,
                    TensorError::Cuda { .. } | TensorError::NotCompiledWithCuda
                ),
                "{e:?}"
            );
            assert!(!e.to_string().is_empty());
        }
    }
    // An ordinal that cannot exist is an error on every machine.
    assert!(x.to(Device::Cuda(10_000)).is_err());
}

#[test]
fn elementwise_unary_and_scalar_ops() {
    let Some(dev) = gpu("elementwise_unary_and_scalar_ops") else {
        return;
    };
    let mut rng = Rng::seed(1);
    let x = rand(&[7, 33], &mut rng);
    let pos = x.abs().unwrap().add_scalar(0.1).unwrap();
    let (xd, pd) = (x.to(dev).unwrap(), pos.to(dev).unwrap());
    type Op = fn(&Tensor) -> Tensor;
    let ops: [(&str, Op); 14] = [
        ("neg", |t| t.neg().unwrap()),
        ("exp", |t| t.exp().unwrap()),
        ("square", |t| t.square().unwrap()),
        ("abs", |t| t.abs().unwrap()),
        ("sign", |t| t.sign().unwrap()),
        ("tanh", |t| t.tanh().unwrap()),
        ("sigmoid", |t| t.sigmoid().unwrap()),
        ("relu", |t| t.relu().unwrap()),
        ("add_scalar", |t| t.add_scalar(0.25).unwrap()),
        ("mul_scalar", |t| t.mul_scalar(-3.0).unwrap()),
        ("clip", |t| t.clip(-0.3, 0.4).unwrap()),
        ("log", |t| {
            t.abs().unwrap().add_scalar(0.1).unwrap().log().unwrap()
        }),
        ("sqrt", |t| t.abs().unwrap().sqrt().unwrap()),
        ("powf", |t| t.abs().unwrap().powf(1.7).unwrap()),
    ];
    for (name, f) in ops {
        close(name, &f(&xd), &f(&x), TOL);
    }
    close("log pos", &pd.log().unwrap(), &pos.log().unwrap(), TOL);
    let big = Tensor::from_vec(vec![-100.0, 100.0, 0.0], &[3]).unwrap();
    close(
        "sigmoid extremes",
        &big.to(dev).unwrap().sigmoid().unwrap(),
        &big.sigmoid().unwrap(),
        TOL,
    );
}

#[test]
fn broadcasting_binary_ops_and_their_reverse() {
    let Some(dev) = gpu("broadcasting_binary_ops_and_their_reverse") else {
        return;
    };
    let mut rng = Rng::seed(2);
    let pairs: [(&[usize], &[usize]); 5] = [
        (&[4, 5], &[4, 5]),
        (&[4, 5], &[5]),
        (&[2, 1, 5], &[3, 1]),
        (&[3, 1], &[2, 3, 4]),
        (&[], &[2, 3]),
    ];
    for (sa, sb) in pairs {
        let a = rand(sa, &mut rng);
        let b = rand(sb, &mut rng).abs().unwrap().add_scalar(0.5).unwrap();
        let (ad, bd) = (a.to(dev).unwrap(), b.to(dev).unwrap());
        let what = format!("{sa:?} op {sb:?}");
        close(
            &format!("add {what}"),
            &ad.add(&bd).unwrap(),
            &a.add(&b).unwrap(),
            TOL,
        );
        close(
            &format!("sub {what}"),
            &ad.sub(&bd).unwrap(),
            &a.sub(&b).unwrap(),
            TOL,
        );
        close(
            &format!("mul {what}"),
            &ad.mul(&bd).unwrap(),
            &a.mul(&b).unwrap(),
            TOL,
        );
        close(
            &format!("div {what}"),
            &ad.div(&bd).unwrap(),
            &a.div(&b).unwrap(),
            TOL,
        );
        close(
            &format!("max {what}"),
            &ad.maximum(&bd).unwrap(),
            &a.maximum(&b).unwrap(),
            TOL,
        );
        let out = a.add(&b).unwrap();
        let outd = out.to(dev).unwrap();
        for target in [sa, sb] {
            close(
                &format!("sum_to_shape {target:?}"),
                &outd.sum_to_shape(target).unwrap(),
                &out.sum_to_shape(target).unwrap(),
                TOL,
            );
        }
        close(
            &format!("broadcast_to {sa:?}"),
            &ad.broadcast_to(out.shape()).unwrap(),
            &a.broadcast_to(out.shape()).unwrap(),
            TOL,
        );
    }
    let a = rand(&[2, 3], &mut rng);
    let e = a.to(dev).unwrap().add(&a).unwrap_err();
    assert!(matches!(e, TensorError::DeviceMismatch { .. }), "{e:?}");
    assert!(a
        .to(dev)
        .unwrap()
        .add(&rand(&[4], &mut rng).to(dev).unwrap())
        .is_err());
}

#[test]
fn reductions_and_softmax_over_every_axis() {
    let Some(dev) = gpu("reductions_and_softmax_over_every_axis") else {
        return;
    };
    let mut rng = Rng::seed(3);
    for shape in [&[3usize, 4, 5][..], &[2, 700], &[1000, 3]] {
        let x = rand(shape, &mut rng).mul_scalar(5.0).unwrap();
        let xd = x.to(dev).unwrap();
        for ax in 0..shape.len() as isize {
            for keep in [false, true] {
                let w = format!("{shape:?} axis {ax} keep {keep}");
                close(
                    &format!("sum {w}"),
                    &xd.sum_axis(ax, keep).unwrap(),
                    &x.sum_axis(ax, keep).unwrap(),
                    TOL,
                );
                close(
                    &format!("mean {w}"),
                    &xd.mean_axis(ax, keep).unwrap(),
                    &x.mean_axis(ax, keep).unwrap(),
                    TOL,
                );
                close(
                    &format!("max {w}"),
                    &xd.max_axis(ax, keep).unwrap(),
                    &x.max_axis(ax, keep).unwrap(),
                    TOL,
                );
            }
            close(
                &format!("softmax {shape:?} {ax}"),
                &xd.softmax(ax).unwrap(),
                &x.softmax(ax).unwrap(),
                TOL,
            );
            close(
                &format!("log_softmax {shape:?} {ax}"),
                &xd.log_softmax(ax).unwrap(),
                &x.log_softmax(ax).unwrap(),
                TOL,
            );
            assert_eq!(xd.argmax_axis(ax).unwrap(), x.argmax_axis(ax).unwrap());
        }
        let (s, c) = (xd.sum_all().unwrap(), x.sum_all().unwrap());
        assert!(
            (s - c).abs() <= 1e-3 * (1.0 + c.abs()),
            "sum_all {s} vs {c}"
        );
    }
    assert!(rand(&[2, 3], &mut rng)
        .to(dev)
        .unwrap()
        .sum_axis(2, false)
        .is_err());
}

#[test]
fn matmul_bmm_with_transposes() {
    let Some(dev) = gpu("matmul_bmm_with_transposes") else {
        return;
    };
    let mut rng = Rng::seed(4);
    let (m, n, k) = (37, 53, 29);
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let a = rand(&if ta { [k, m] } else { [m, k] }, &mut rng);
        let b = rand(&if tb { [n, k] } else { [k, n] }, &mut rng);
        let (ad, bd) = (a.to(dev).unwrap(), b.to(dev).unwrap());
        close(
            &format!("matmul_t {ta} {tb}"),
            &ad.matmul_t(ta, &bd, tb).unwrap(),
            &a.matmul_t(ta, &b, tb).unwrap(),
            TOL,
        );
        let a3 = rand(&if ta { [3, k, m] } else { [3, m, k] }, &mut rng);
        let b3 = rand(&if tb { [3, n, k] } else { [3, k, n] }, &mut rng);
        close(
            &format!("bmm_t {ta} {tb}"),
            &a3.to(dev)
                .unwrap()
                .bmm_t(ta, &b3.to(dev).unwrap(), tb)
                .unwrap(),
            &a3.bmm_t(ta, &b3, tb).unwrap(),
            TOL,
        );
    }
    let a = rand(&[4, 0], &mut rng);
    let b = rand(&[0, 3], &mut rng);
    close(
        "k = 0",
        &a.to(dev).unwrap().matmul(&b.to(dev).unwrap()).unwrap(),
        &a.matmul(&b).unwrap(),
        TOL,
    );
    assert!(rand(&[2, 3], &mut rng)
        .to(dev)
        .unwrap()
        .matmul(&rand(&[2, 3], &mut rng).to(dev).unwrap())
        .is_err());
}

#[test]
fn gathers_and_layout_ops() {
    let Some(dev) = gpu("gathers_and_layout_ops") else {
        return;
    };
    let mut rng = Rng::seed(5);
    let table = rand(&[11, 6], &mut rng);
    let td = table.to(dev).unwrap();
    let ids = IntTensor::from_vec(vec![3, 0, 10, 3, 3, 7], &[2, 3]).unwrap();
    close(
        "gather_rows",
        &td.gather_rows(&ids).unwrap(),
        &table.gather_rows(&ids).unwrap(),
        TOL,
    );
    let g = rand(&[2, 3, 6], &mut rng);
    close(
        "scatter_add_rows",
        &g.to(dev).unwrap().scatter_add_rows(&ids, 11).unwrap(),
        &g.scatter_add_rows(&ids, 11).unwrap(),
        TOL,
    );
    let bad = IntTensor::from_vec(vec![11], &[1]).unwrap();
    assert!(matches!(
        td.gather_rows(&bad),
        Err(TensorError::IndexOutOfRange { .. })
    ));

    let x = rand(&[2, 3, 4, 5], &mut rng);
    let xd = x.to(dev).unwrap();
    for perm in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2], [0, 2, 3, 1]] {
        close(
            &format!("transpose {perm:?}"),
            &xd.transpose(&perm).unwrap(),
            &x.transpose(&perm).unwrap(),
            TOL,
        );
    }
    for ax in 0..4 {
        close(
            &format!("flip {ax}"),
            &xd.flip(ax).unwrap(),
            &x.flip(ax).unwrap(),
            TOL,
        );
        let n = x.shape()[ax as usize];
        close(
            &format!("slice {ax}"),
            &xd.slice(ax, 1, n - 1).unwrap(),
            &x.slice(ax, 1, n - 1).unwrap(),
            TOL,
        );
        let y = rand(
            &{
                let mut s = x.shape().to_vec();
                s[ax as usize] = 2;
                s
            },
            &mut rng,
        );
        let yd = y.to(dev).unwrap();
        close(
            &format!("concat {ax}"),
            &Tensor::concat(&[&xd, &yd, &xd], ax).unwrap(),
            &Tensor::concat(&[&x, &y, &x], ax).unwrap(),
            TOL,
        );
    }
    close(
        "select_rows",
        &xd.select_rows(&[1, 0, 1]).unwrap(),
        &x.select_rows(&[1, 0, 1]).unwrap(),
        TOL,
    );
    assert!(xd.select_rows(&[2]).is_err());
    assert!(xd.slice(0, 1, 2).is_err());
    let e = Tensor::concat(&[&xd, &x], 0).unwrap_err();
    assert!(matches!(e, TensorError::DeviceMismatch { .. }), "{e:?}");
}

#[test]
fn matmul_throughput_is_reported() {
    let Some(dev) = gpu("matmul_throughput_is_reported") else {
        return;
    };
    let mut rng = Rng::seed(6);
    let n = 4096;
    let a = rand(&[n, n], &mut rng).to(dev).unwrap();
    let b = rand(&[n, n], &mut rng).to(dev).unwrap();
    a.matmul(&b).unwrap();
    cuda_backend::synchronize(0).unwrap();
    let reps = 10;
    let t0 = std::time::Instant::now();
    let mut c = a.matmul(&b).unwrap();
    for _ in 1..reps {
        c = a.matmul(&b).unwrap();
    }
    cuda_backend::synchronize(0).unwrap();
    let s = t0.elapsed().as_secs_f64();
    let tflops = 2.0 * (n as f64).powi(3) * reps as f64 / s / 1e12;
    let _ = writeln!(
        std::io::stderr(),
        "sgemm {n}x{n}x{n}: {tflops:.1} TFLOP/s (FP32)"
    );
    assert!(c.to_vec().unwrap().iter().all(|v| v.is_finite()));
}
