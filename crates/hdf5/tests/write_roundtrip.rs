//! Writer round trips through this crate's own reader (no Python needed).

mod common;

use common::{fixture_path, sample_file};
use kerust_hdf5::{AttrValue, File, FileBuilder, Hdf5Error};

#[test]
fn sample_tree_survives_encode_decode_exactly() {
    let fb = sample_file();
    let back = File::from_bytes(fb.to_bytes().unwrap()).unwrap();
    assert_eq!(back.root(), fb.root());
    assert_eq!(back.attr("big").unwrap(), &AttrValue::UInt(u64::MAX));
    assert_eq!(
        back.dataset("g/sub/f32").unwrap().attr("unit"),
        Some(&AttrValue::Str("m".into()))
    );
}

#[test]
fn every_fixture_survives_read_write_read() {
    for name in [
        "h5py_earliest.h5",
        "h5py_latest.h5",
        "keras3_model.h5",
        "keras3.weights.h5",
        "keras3_zip_model.weights.h5",
        "tfkeras2_model.h5",
    ] {
        let bytes = std::fs::read(fixture_path(name)).unwrap();
        let first = File::from_bytes(bytes).unwrap();
        let written = FileBuilder::from_file(first.clone()).to_bytes().unwrap();
        let second = File::from_bytes(written).unwrap();
        assert_eq!(second.root(), first.root(), "{name}");
    }
}

#[test]
fn save_is_atomic_and_replaces_the_previous_file() {
    let dir = std::env::temp_dir().join(format!("kerust_hdf5_save_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("model.h5");
    let mut fb = FileBuilder::new();
    fb.write_dataset_f32("w", &[1], &[1.0]).unwrap();
    fb.save(&p).unwrap();
    fb.dataset_mut("w").unwrap();
    fb.remove("w");
    fb.write_dataset_f32("w", &[2], &[2.0, 3.0]).unwrap();
    fb.save(&p).unwrap();
    let f = File::open(&p).unwrap();
    assert_eq!(f.path(), p.as_path());
    assert_eq!(f.dataset("w").unwrap().read_f32().unwrap(), vec![2.0, 3.0]);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temp file left behind"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_names_and_shapes_are_rejected_before_encoding() {
    let mut fb = FileBuilder::new();
    assert!(matches!(
        fb.write_dataset_f32("k", &[2, 2], &[1.0]),
        Err(Hdf5Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        fb.set_attr("", 1i64),
        Err(Hdf5Error::InvalidName { .. })
    ));
    assert!(matches!(
        fb.create_group("a/\0"),
        Err(Hdf5Error::InvalidName { .. })
    ));
    assert!(fb.to_bytes().is_ok());
}

#[test]
fn megabyte_model_config_and_thousands_of_names_round_trip() {
    // Keras stores the whole model JSON in one attribute and one name per weight.
    let config: String = (0..40_000).map(|i| format!("{{\"l\":{i}}},")).collect();
    let names: Vec<String> = (0..5000).map(|i| format!("layer_{i}/kernel:0")).collect();
    let mut fb = FileBuilder::new();
    fb.set_attr("model_config", config.as_str()).unwrap();
    fb.create_group("model_weights")
        .unwrap()
        .set_attr("layer_names", names.clone())
        .unwrap();
    let f = File::from_bytes(fb.to_bytes().unwrap()).unwrap();
    assert!(config.len() > 400_000);
    assert_eq!(f.attr_str("model_config").unwrap(), config);
    assert_eq!(
        f.group("model_weights")
            .unwrap()
            .attr_strings("layer_names")
            .unwrap(),
        names
    );
}
