//! The sample tree written by the round-trip and h5py interop tests. Its values follow formulas
//! that tools/keras_reference/hdf5_interop_check.py recomputes; change both together.

use kerust_hdf5::{AttrValue, Data, FileBuilder};

pub fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn sample_file() -> FileBuilder {
    let mut fb = FileBuilder::new();
    fb.set_attr("title", "héllo wörld").unwrap();
    fb.set_attr(
        "names",
        AttrValue::StrArray(vec!["dense/kernel:0".into(), "".into(), "b".into()]),
    )
    .unwrap();
    fb.set_attr("count", -5i64).unwrap();
    fb.set_attr("ratio", 0.125).unwrap();
    fb.set_attr("empty", AttrValue::Floats(vec![])).unwrap();
    fb.set_attr("ints", vec![1i64, -2, 3]).unwrap();
    fb.set_attr("floats", vec![0.5, 2.0]).unwrap();
    fb.set_attr("big", AttrValue::UInt(u64::MAX)).unwrap();

    let f32s: Vec<f32> = (0..6).map(|i| i as f32 * 0.5).collect();
    fb.write_dataset_f32("g/sub/f32", &[2, 3], &f32s)
        .unwrap()
        .set_attr("unit", "m")
        .unwrap();
    let f64s: Vec<f64> = (0..4).map(|i| i as f64 / 3.0).collect();
    fb.write_dataset_f64("g/f64", &[4], &f64s).unwrap();
    fb.write_dataset_i32("g/i32", &[3], &[-1, 0, 1]).unwrap();
    fb.write_dataset_i64("g/i64_scalar", &[], &[42]).unwrap();
    fb.write_dataset("u8", &[2], Data::U8(vec![7, 255]))
        .unwrap();
    fb.write_dataset(
        "strings",
        &[3],
        Data::Str(vec!["x".into(), "yz".into(), "ünï".into()]),
    )
    .unwrap();
    fb.write_dataset_f32("empty", &[0, 3], &[]).unwrap();
    let many = fb.create_group("many").unwrap();
    many.set_attr("n", 20i64).unwrap();
    for i in 0..20i64 {
        many.write_dataset_i64(&format!("d{i:02}"), &[1], &[i])
            .unwrap();
    }
    fb.create_group("empty_group").unwrap();
    fb
}
