//! Read files written by h5py and by real Keras (tools/keras_reference/hdf5_fixtures.py) and
//! check every value against the formulas that script used.

use kerust_hdf5::{AttrValue, Data, Dtype, File, Hdf5Error, Limits};

fn fixture(name: &str) -> File {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    File::open(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Keras weight k, flat element i = float32((k + 1) + i * 0.001).
fn keras_weight(k: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((k + 1) as f64 + i as f64 * 0.001) as f32)
        .collect()
}

fn check_h5py_file(f: &File) {
    assert_eq!(f.attr_str("vlen_str").unwrap(), "héllo {\"json\": [1, 2]}");
    assert_eq!(f.attr_str("fixed_str").unwrap(), "fixed");
    assert_eq!(
        f.attr_strings("str_array").unwrap(),
        ["dense/kernel:0", "dense/bias:0", ""]
    );
    assert_eq!(
        f.attr_strings("vlen_str_array").unwrap(),
        ["a", "bcd", "ef"]
    );
    assert_eq!(f.attr("int_scalar").unwrap(), &AttrValue::Int(-42));
    assert_eq!(f.attr("float_scalar").unwrap().as_f64(), Some(2.5));
    assert_eq!(
        f.attr("int_array").unwrap(),
        &AttrValue::Ints(vec![1, -2, 3])
    );
    assert_eq!(
        f.attr("float_array").unwrap(),
        &AttrValue::Floats(vec![0.5, 1.5])
    );

    let c = f.group("a/b/c").unwrap();
    assert_eq!(c.attr("depth").unwrap().as_i64(), Some(3));
    let f32ds = c.dataset("f32").unwrap();
    assert_eq!(
        (f32ds.shape(), f32ds.dtype()),
        (&[2usize, 3][..], Dtype::F32)
    );
    assert_eq!(
        f32ds.as_f32().unwrap(),
        (0..6).map(|i| i as f32 * 0.5).collect::<Vec<_>>()
    );
    let f64ds = f.dataset("a/f64").unwrap();
    assert_eq!(
        f64ds.read_f64().unwrap(),
        (0..4).map(|i| i as f64 / 3.0).collect::<Vec<_>>()
    );

    let ints = f.group("ints").unwrap();
    let signed: Vec<i64> = (0..7).map(|i| i - 3).collect();
    let unsigned: Vec<i64> = (0..7).collect();
    for (name, dtype) in [
        ("i8", Dtype::I8),
        ("i16", Dtype::I16),
        ("i32", Dtype::I32),
        ("i64", Dtype::I64),
        ("i32be", Dtype::I32),
        ("u8", Dtype::U8),
        ("u16", Dtype::U16),
        ("u32", Dtype::U32),
        ("u64", Dtype::U64),
    ] {
        let d = ints.dataset(name).unwrap();
        assert_eq!(d.dtype(), dtype, "{name}");
        let want = if name.starts_with('u') {
            &unsigned
        } else {
            &signed
        };
        assert_eq!(&d.read_i64().unwrap(), want, "{name}");
    }
    let be = ints.dataset("f64be").unwrap();
    assert_eq!(
        be.read_f64().unwrap(),
        signed.iter().map(|&x| x as f64).collect::<Vec<_>>()
    );

    let s = f.dataset("scalar_f32").unwrap();
    assert_eq!((s.shape(), s.read_f32().unwrap()), (&[][..], vec![7.25]));
    let ch = f.dataset("chunked").unwrap();
    assert_eq!(ch.shape(), &[600]);
    assert_eq!(
        ch.read_f32().unwrap(),
        (0..600).map(|i| i as f32 * 0.25).collect::<Vec<_>>()
    );
    let c2 = f.dataset("chunked2d").unwrap();
    assert_eq!(c2.shape(), &[10, 7]);
    let want: Vec<i32> = (0..10)
        .flat_map(|r| (0..7).map(move |c| r * 100 + c))
        .collect();
    assert_eq!(c2.data(), &Data::I32(want));
    let compact = f.dataset("compact").unwrap();
    assert_eq!(compact.read_f32().unwrap(), vec![0.5, 1.5, 2.5, 3.5, 4.5]);
    let empty = f.dataset("empty").unwrap();
    assert_eq!((empty.shape(), empty.len()), (&[0usize, 3][..], 0));
    assert_eq!(f.group("empty_group").unwrap().member_names().len(), 0);

    let many = f.group("many").unwrap();
    let names: Vec<&str> = many.datasets().map(|d| d.name()).collect();
    let want: Vec<String> = (0..20).map(|i| format!("d{i:02}")).collect();
    assert_eq!(names, want, "sorted like h5py");
    for i in 0..20 {
        assert_eq!(
            many.dataset(&format!("d{i:02}"))
                .unwrap()
                .read_i64()
                .unwrap(),
            vec![i]
        );
        assert_eq!(
            many.attr(&format!("attr{i:02}")).unwrap(),
            &AttrValue::Int(i)
        );
    }
}

#[test]
fn h5py_default_earliest_format() {
    check_h5py_file(&fixture("h5py_earliest.h5"));
}

#[test]
fn h5py_latest_format_with_dense_links_and_attrs() {
    check_h5py_file(&fixture("h5py_latest.h5"));
}

/// (layer, weight paths under the layer group, shapes).
type LayerWeights = (&'static str, Vec<String>, Vec<Vec<usize>>);

/// The fixture model's layers in model.weights order.
fn keras_layout(prefix: &str, suffix: &str) -> Vec<LayerWeights> {
    let p = |s: &str| format!("{prefix}{s}{suffix}");
    vec![
        (
            "embedding",
            vec![p("embedding/embeddings")],
            vec![vec![10, 4]],
        ),
        (
            "lstm",
            vec![
                p("lstm/lstm_cell/kernel"),
                p("lstm/lstm_cell/recurrent_kernel"),
                p("lstm/lstm_cell/bias"),
            ],
            vec![vec![4, 12], vec![3, 12], vec![12]],
        ),
        (
            "dense",
            vec![p("dense/kernel"), p("dense/bias")],
            vec![vec![3, 2], vec![2]],
        ),
    ]
}

fn check_keras_h5(f: &File, version_prefix: &str, prefix: &str, suffix: &str) {
    assert!(f
        .attr_str("keras_version")
        .unwrap()
        .starts_with(version_prefix));
    assert_eq!(f.attr_str("backend").unwrap(), "tensorflow");
    let config = f.attr_str("model_config").unwrap();
    assert!(
        config.starts_with("{\"class_name\": \"Sequential\""),
        "{config}"
    );
    let mw = f.group("model_weights").unwrap();
    assert_eq!(
        mw.attr_strings("layer_names").unwrap(),
        ["embedding", "lstm", "dense"]
    );
    let mut k = 0;
    for (layer, names, shapes) in keras_layout(prefix, suffix) {
        let g = mw.group(layer).unwrap();
        assert_eq!(g.attr_strings("weight_names").unwrap(), names, "{layer}");
        for (name, shape) in names.iter().zip(shapes) {
            let d = g.dataset(name).unwrap();
            assert_eq!(d.shape(), &shape[..], "{name}");
            assert_eq!(d.as_f32().unwrap(), keras_weight(k, d.len()), "{name}");
            k += 1;
        }
    }
    let top = mw.group("top_level_model_weights").unwrap();
    assert!(top.attr_strings("weight_names").unwrap().is_empty());
}

#[test]
fn keras3_legacy_h5_full_model() {
    check_keras_h5(&fixture("keras3_model.h5"), "3.", "sequential/", "");
}

#[test]
fn tf_keras2_h5_full_model() {
    check_keras_h5(&fixture("tfkeras2_model.h5"), "2.", "", ":0");
}

fn check_keras3_weights(f: &File) {
    let vars = [
        ("layers/embedding/vars", "embedding", vec![vec![10, 4]]),
        (
            "layers/lstm/cell/vars",
            "lstm_cell",
            vec![vec![4, 12], vec![3, 12], vec![12]],
        ),
        ("layers/dense/vars", "dense", vec![vec![3, 2], vec![2]]),
    ];
    let mut k = 0;
    for (path, name, shapes) in vars {
        let g = f.group(path).unwrap();
        assert_eq!(g.attr_str("name").unwrap(), name);
        for (i, shape) in shapes.iter().enumerate() {
            let d = g.dataset(&i.to_string()).unwrap();
            assert_eq!(d.shape(), &shape[..]);
            assert_eq!(d.read_f32().unwrap(), keras_weight(k, d.len()));
            k += 1;
        }
    }
    assert_eq!(f.group("layers/lstm/vars").unwrap().datasets().count(), 0);
    assert_eq!(
        f.group("vars").unwrap().attr_str("name").unwrap(),
        "sequential"
    );
}

#[test]
fn keras3_weights_h5_and_keras_zip_member() {
    check_keras3_weights(&fixture("keras3.weights.h5"));
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keras3_zip_model.weights.h5"),
    )
    .unwrap();
    check_keras3_weights(&File::from_bytes(bytes).unwrap());
}

#[test]
fn lookups_fail_with_the_path_and_the_alternatives() {
    let f = fixture("keras3_model.h5");
    let err = f.group("model_weights/conv1d").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Hdf5Error::NotFound { .. }));
    assert!(
        msg.contains("keras3_model.h5") && msg.contains("/model_weights/conv1d"),
        "{msg}"
    );
    assert!(msg.contains("dense, embedding, lstm"), "{msg}");
    let err = f
        .group("model_weights")
        .unwrap()
        .attr_str("layer_names")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("string array[3]") && err.contains("/model_weights@layer_names"),
        "{err}"
    );
    let err = f
        .dataset("model_weights/dense/sequential/dense/bias")
        .unwrap()
        .read_strings()
        .unwrap_err();
    assert!(err.to_string().contains("keras3_model.h5"), "{err}");
}

#[test]
fn limits_turn_big_declarations_into_errors() {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h5py_earliest.h5");
    let tight = Limits {
        max_dataset_bytes: 1000,
        ..Limits::default()
    };
    let err = File::open_with_limits(&p, tight).unwrap_err();
    assert!(matches!(err, Hdf5Error::TooLarge { .. }), "{err}");
    assert!(
        err.to_string().contains("chunked") && err.to_string().contains("max_dataset_bytes"),
        "{err}"
    );
    let few = Limits {
        max_objects: 10,
        ..Limits::default()
    };
    assert!(matches!(
        File::open_with_limits(&p, few),
        Err(Hdf5Error::TooMany { .. })
    ));
    let shallow = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    let err = File::open_with_limits(&p, shallow).unwrap_err();
    assert!(err.to_string().contains("/a/b/c"), "{err}");
}

#[test]
fn attributes_the_crate_cannot_decode_are_reported_not_dropped() {
    // unsupported_attr.h5: h5py file with a bool (`flag`) and a compound (`pair`) root attribute.
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/unsupported_attr.h5");
    let err = File::open(&p).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Hdf5Error::Unsupported { .. }), "{msg}");
    assert!(
        msg.contains("unsupported_attr.h5") && msg.contains("/@"),
        "{msg}"
    );
    println!("{msg}");
}
