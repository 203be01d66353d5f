//! Issue 19 item 2: `fit`, `evaluate` and `predict` reading a `PyDataset` (batches by index,
//! prepared ahead by worker threads). A dataset of the batches in-memory `fit` would make (shuffle
//! off) trains to the same weights, bit for bit; the shuffled batch order is fixed by the seed;
//! empty and ragged datasets are typed errors.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `x`/`y` cut into batches of `batch_size` rows, as `fit(x, y, shuffle=False)` cuts them.
struct Arrays {
    x: Data,
    y: Tensor,
    batch_size: usize,
    workers: usize,
    /// The batch indices in the order `get` was called.
    calls: Mutex<Vec<usize>>,
    epochs_ended: AtomicUsize,
}

impl Arrays {
    fn new(x: impl Into<Data>, y: &Tensor, batch_size: usize, workers: usize) -> Self {
        Self {
            x: x.into(),
            y: y.clone(),
            batch_size,
            workers,
            calls: Mutex::new(Vec::new()),
            epochs_ended: AtomicUsize::new(0),
        }
    }
}

impl PyDataset for Arrays {
    fn len(&self) -> usize {
        self.x.len().div_ceil(self.batch_size)
    }
    fn get(&self, index: usize) -> Result<DatasetBatch> {
        self.calls.lock().unwrap().push(index);
        let rows: Vec<usize> =
            (index * self.batch_size..((index + 1) * self.batch_size).min(self.x.len())).collect();
        Ok(DatasetBatch::new(
            self.x.select(&rows)?,
            self.y.select_rows(&rows)?,
        ))
    }
    fn on_epoch_end(&mut self) -> Result<()> {
        self.epochs_ended.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn workers(&self) -> usize {
        self.workers
    }
    fn max_queue_size(&self) -> usize {
        2
    }
}

fn data(n: usize) -> (Tensor, Tensor) {
    let mut rng = Rng::seed(7);
    let x: Vec<f32> = (0..n * 4).map(|_| rng.normal()).collect();
    let y: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
    (
        Tensor::from_vec(x, &[n, 4]).unwrap(),
        Tensor::from_vec(y, &[n]).unwrap(),
    )
}

/// Tests run in parallel and the seed is process-wide: each model is built under this lock, so two
/// models built from the same seed get the same initial weights whatever the other tests do.
static SEEDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn seeding() -> std::sync::MutexGuard<'static, ()> {
    SEEDING.lock().unwrap_or_else(|e| e.into_inner())
}

fn dense_model(seed: u64) -> Sequential {
    let _seeding = seeding();
    set_random_seed(seed);
    let mut m = Sequential::new();
    m.add(Dense::new(5).activation("tanh").input_shape(&[4]))
        .unwrap();
    m.add(Dropout::new(0.2)).unwrap();
    m.add(Dense::new(3).activation("softmax")).unwrap();
    m.compile(
        Adam::new().learning_rate(0.01),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    m
}

fn bits(m: &Sequential) -> Vec<Vec<u32>> {
    m.get_weights()
        .iter()
        .map(|w| w.to_vec().unwrap().iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn dataset_of_the_same_batches_trains_to_the_same_weights() {
    let (x, y) = data(23);
    for workers in [1, 3] {
        let mut a = dense_model(3);
        let ha = a
            .fit(
                &x,
                &y,
                FitArgs::new()
                    .batch_size(5)
                    .epochs(3)
                    .shuffle(false)
                    .verbose(0),
            )
            .unwrap();
        let mut b = dense_model(3);
        let mut ds = Arrays::new(&x, &y, 5, workers);
        let hb = b
            .fit_dataset(&mut ds, FitArgs::new().epochs(3).shuffle(false).verbose(0))
            .unwrap();
        assert_eq!(bits(&a), bits(&b), "workers={workers}");
        assert_eq!(ha.get("loss"), hb.get("loss"));
        assert_eq!(ha.get("accuracy"), hb.get("accuracy"));
        assert_eq!(ds.epochs_ended.load(Ordering::SeqCst), 3);
        // Shuffle off: index order every epoch.
        let calls = ds.calls.lock().unwrap().clone();
        if workers == 1 {
            assert_eq!(calls, [0, 1, 2, 3, 4].repeat(3));
        } else {
            assert_eq!(calls.len(), 15);
        }
        // evaluate and predict read the dataset in index order and agree with the arrays.
        let ea = a.evaluate(&x, &y, 5).unwrap();
        let eb = b.evaluate_dataset(&mut ds).unwrap();
        assert_eq!(ea.get("loss"), eb.get("loss"));
        assert_eq!(ea.get("accuracy"), eb.get("accuracy"));
        let pa = a.predict_batch_size(&x, 5).unwrap();
        let pb = b.predict_dataset(&mut ds).unwrap();
        assert_eq!(pa.shape(), pb.shape());
        assert_eq!(pa.to_vec().unwrap(), pb.to_vec().unwrap());
    }
}

#[test]
fn integer_ids_and_class_weight_go_through_the_dataset() {
    let n = 14;
    let ids: Vec<i64> = (0..n * 6).map(|i| ((i * 7) % 11) as i64).collect();
    let x = IntTensor::from_vec(ids, &[n, 6]).unwrap();
    let y = Tensor::from_vec((0..n).map(|i| (i % 2) as f32).collect(), &[n, 1]).unwrap();
    let build = || {
        let _seeding = seeding();
        set_random_seed(11);
        let mut m = Sequential::new();
        m.add(Input::with_shape(vec![None]).dtype("int32")).unwrap();
        m.add(Embedding::new(11, 4)).unwrap();
        m.add(LSTM::new(3)).unwrap();
        m.add(Dense::new(1).activation("sigmoid")).unwrap();
        m.compile("adam", "binary_crossentropy", &["accuracy"])
            .unwrap();
        m
    };
    let cw = [(0, 0.5), (1, 2.0)];
    let mut a = build();
    a.fit(
        &x,
        &y,
        FitArgs::new()
            .batch_size(4)
            .epochs(2)
            .shuffle(false)
            .verbose(0)
            .class_weight(cw),
    )
    .unwrap();
    let mut b = build();
    let mut ds = Arrays::new(&x, &y, 4, 2);
    b.fit_dataset(
        &mut ds,
        FitArgs::new()
            .epochs(2)
            .shuffle(false)
            .verbose(0)
            .class_weight(cw),
    )
    .unwrap();
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn the_shuffled_batch_order_is_fixed_by_the_seed() {
    let (x, y) = data(40);
    let run = |seed: u64| {
        let mut m = dense_model(1);
        m.set_seed(seed);
        let mut ds = Arrays::new(&x, &y, 4, 1);
        m.fit_dataset(&mut ds, FitArgs::new().epochs(3).verbose(0))
            .unwrap();
        let calls = ds.calls.lock().unwrap().clone();
        (calls, bits(&m))
    };
    let (order_a, weights_a) = run(5);
    let (order_b, weights_b) = run(5);
    let (order_c, _) = run(6);
    assert_eq!(order_a, order_b);
    assert_eq!(weights_a, weights_b);
    assert_ne!(order_a, order_c);
    // Each epoch is a permutation of the batch indices, and epochs differ.
    let epochs: Vec<&[usize]> = order_a.chunks(10).collect();
    for e in &epochs {
        let mut s = e.to_vec();
        s.sort();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
    }
    assert_ne!(epochs[0], epochs[1]);
    assert_ne!(epochs[0], &(0..10).collect::<Vec<_>>()[..]);
    // With workers the order is the same (the queue hands batches over in epoch order).
    let mut m = dense_model(1);
    m.set_seed(5);
    let mut ds = Arrays::new(&x, &y, 4, 3);
    m.fit_dataset(&mut ds, FitArgs::new().epochs(3).verbose(0))
        .unwrap();
    assert_eq!(bits(&m), weights_a);
}

/// Batches whose second one has another width, or no batches at all.
struct Ragged {
    len: usize,
    bad: usize,
    rows_of_bad: usize,
    width_of_bad: usize,
}

impl PyDataset for Ragged {
    fn len(&self) -> usize {
        self.len
    }
    fn get(&self, index: usize) -> Result<DatasetBatch> {
        let (rows, width) = if index == self.bad {
            (self.rows_of_bad, self.width_of_bad)
        } else {
            (4, 4)
        };
        Ok(DatasetBatch::new(
            Tensor::zeros(&[rows, width])?,
            Tensor::zeros(&[rows])?,
        ))
    }
}

#[test]
fn empty_and_ragged_datasets_are_typed_errors() {
    let mut m = dense_model(0);
    let mut empty = Ragged {
        len: 0,
        bad: 9,
        rows_of_bad: 4,
        width_of_bad: 4,
    };
    let e = m
        .fit_dataset(&mut empty, FitArgs::new().verbose(0))
        .unwrap_err();
    assert!(matches!(e, LayerError::DatasetEmpty("fit")), "{e}");
    assert!(matches!(
        m.evaluate_dataset(&mut empty).unwrap_err(),
        LayerError::DatasetEmpty("evaluate")
    ));
    assert!(matches!(
        m.predict_dataset(&mut empty).unwrap_err(),
        LayerError::DatasetEmpty("predict")
    ));
    // A middle batch with fewer rows.
    let mut short = Ragged {
        len: 3,
        bad: 1,
        rows_of_bad: 2,
        width_of_bad: 4,
    };
    let e = m
        .fit_dataset(&mut short, FitArgs::new().shuffle(false).verbose(0))
        .unwrap_err();
    assert!(
        matches!(&e, LayerError::DatasetBatchShape { index: 1, expected, got, .. } if expected == &[4, 4] && got == &[2, 4]),
        "{e}"
    );
    // A batch whose feature axis changes, with workers.
    let mut wide = Ragged {
        len: 3,
        bad: 2,
        rows_of_bad: 4,
        width_of_bad: 5,
    };
    let e = m.evaluate_dataset(&mut wide).unwrap_err();
    assert!(
        matches!(&e, LayerError::DatasetBatchShape { index: 2, .. }),
        "{e}"
    );
    assert!(e
        .to_string()
        .contains("only the last one may have fewer rows"));
    // The last batch may be smaller.
    let mut last_short = Ragged {
        len: 3,
        bad: 2,
        rows_of_bad: 1,
        width_of_bad: 4,
    };
    m.fit_dataset(&mut last_short, FitArgs::new().verbose(0))
        .unwrap();
    // validation_split does not apply to a dataset.
    let e = m
        .fit_dataset(&mut last_short, FitArgs::new().validation_split(0.2))
        .unwrap_err();
    assert!(e.to_string().contains("validation_split"), "{e}");
}

#[test]
fn a_validation_dataset_is_scored_each_epoch_like_arrays() {
    let (x, y) = data(20);
    let (xv, yv) = data(9);
    let mut a = dense_model(2);
    let ha = a
        .fit(
            &x,
            &y,
            FitArgs::new()
                .batch_size(5)
                .epochs(2)
                .shuffle(false)
                .verbose(0)
                .validation_data(&xv, &yv),
        )
        .unwrap();
    let mut b = dense_model(2);
    let mut ds = Arrays::new(&x, &y, 5, 2);
    let hb = b
        .fit_dataset(
            &mut ds,
            FitArgs::new()
                .batch_size(5)
                .epochs(2)
                .shuffle(false)
                .verbose(0)
                .validation_dataset(Arrays::new(&xv, &yv, 5, 2)),
        )
        .unwrap();
    assert_eq!(ha.get("val_loss"), hb.get("val_loss"));
    assert_eq!(ha.get("val_accuracy"), hb.get("val_accuracy"));
    assert_eq!(ha.get("val_loss").unwrap().len(), 2);
}
