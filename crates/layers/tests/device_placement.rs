//! Device placement: `KERUST_DEVICE` and `model.to_device`. One test function, because it sets
//! an environment variable that every model in this process reads.
use kerust_layers::*;
use kerust_tensor::{Device, Rng, Tensor};

fn data() -> (Tensor, Tensor) {
    let mut rng = Rng::seed(1);
    let x = Tensor::rand_uniform(&[64, 3], -1.0, 1.0, &mut rng).unwrap();
    let y: Vec<f32> = x.to_vec().unwrap().chunks(3).map(|r| r[0] - r[2]).collect();
    (x, Tensor::from_vec(y, &[64, 1]).unwrap())
}

fn model() -> Sequential {
    // Same seed, same initial weights for every model of this test.
    kerust_layers::random::set_random_seed(11);
    let mut m = Sequential::new();
    m.add(Dense::new(4).activation("tanh").input_shape(&[3]))
        .unwrap();
    m.add(Dense::new(1)).unwrap();
    m.set_seed(5);
    m.compile(Adam::new(), "mse", &[]).unwrap();
    m
}

fn fit(m: &mut Sequential) -> std::result::Result<f32, String> {
    let (x, y) = data();
    let args = FitArgs::new()
        .epochs(1)
        .batch_size(16)
        .shuffle(false)
        .verbose(0);
    m.fit(&x, &y, args)
        .map(|h| h.get("loss").unwrap()[0])
        .map_err(|e| e.to_string())
}

#[test]
fn the_device_comes_from_kerust_device_or_to_device_and_bad_requests_are_errors() {
    let gpu = kerust_tensor::cuda_backend::device_count() > 0;
    std::env::remove_var("KERUST_DEVICE");

    // No request, no GPU: the CPU.
    let mut m = model();
    let loss = fit(&mut m).unwrap();
    if !gpu {
        assert_eq!(m.device().unwrap(), Device::Cpu);
    }

    // A GPU this build or machine cannot give is refused, and the model stays usable.
    if !gpu {
        let err = m.to_device(Device::Cuda(0)).unwrap_err().to_string();
        assert!(err.contains("--features cuda"), "{err}");
        assert_eq!(m.device().unwrap(), Device::Cpu);
        assert!(fit(&mut m).is_ok());
    }

    // A typo in KERUST_DEVICE stops training with a message naming the variable.
    std::env::set_var("KERUST_DEVICE", "gpu:x");
    let err = fit(&mut model()).unwrap_err();
    assert!(
        err.contains("KERUST_DEVICE") && err.contains("`cuda:N`"),
        "{err}"
    );

    // `to_device` overrides the variable; `KERUST_DEVICE=cpu` gives the same numbers.
    let mut explicit = model();
    explicit.to_device(Device::Cpu).unwrap();
    assert_eq!(fit(&mut explicit).unwrap().to_bits(), loss.to_bits());
    std::env::set_var("KERUST_DEVICE", "cpu");
    assert_eq!(fit(&mut model()).unwrap().to_bits(), loss.to_bits());
    std::env::remove_var("KERUST_DEVICE");
}
