//! Checks against fixtures made by `fixtures/make_reference.py` with NumPy, scikit-learn and tf_keras:
//! RandomState permutations, `train_test_split` indices, and `imdb.load_data` on tiny npz files.

use std::path::PathBuf;

use kerust_datasets::{ImdbLoadData, RandomState, TrainTestSplit};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("reference.json")).unwrap()).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn i64s(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

#[test]
fn random_state_permutations_match_numpy() {
    let r = reference();
    let mut rs = RandomState::new(113);
    assert_eq!(rs.permutation(10), usizes(&r["rs113_perm10_then7"][0]));
    assert_eq!(rs.permutation(7), usizes(&r["rs113_perm10_then7"][1]));
    assert_eq!(
        RandomState::new(42).permutation(25),
        usizes(&r["rs42_perm25"])
    );
    assert_eq!(
        RandomState::new(0).permutation(5000)[..50].to_vec(),
        usizes(&r["rs0_perm5000_head"])
    );
}

#[test]
fn train_test_split_matches_sklearn() {
    let r = reference();
    for case in r["train_test_split"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let seed = case["seed"].as_u64().unwrap() as u32;
        let base = TrainTestSplit::<i64>::new().random_state(seed);
        let base = match &case["test_size"] {
            Value::Number(x) if x.is_u64() => base.test_size(x.as_u64().unwrap() as usize),
            x => base.test_size(x.as_f64().unwrap()),
        };
        let got = match &case["labels"] {
            Value::Null => base.split(n).unwrap(),
            labels => {
                let labels = i64s(labels);
                base.stratify(&labels).split(n).unwrap()
            }
        };
        assert_eq!(got.train, usizes(&case["train"]), "train, case {case}");
        assert_eq!(got.test, usizes(&case["test"]), "test, case {case}");
    }
}

fn seqs(v: &Value) -> Vec<Vec<i64>> {
    v.as_array().unwrap().iter().map(i64s).collect()
}

#[test]
fn imdb_load_data_matches_tf_keras() {
    let r = reference();
    for file in ["imdb_tiny.npz", "imdb_tiny_p2.npz"] {
        for case in r["imdb_load_data"].as_array().unwrap() {
            let kw = &case["kwargs"];
            let mut opts = ImdbLoadData::new();
            if let Some(n) = kw.get("num_words") {
                opts = opts.num_words(n.as_u64().unwrap() as usize);
            }
            if let Some(n) = kw.get("skip_top") {
                opts = opts.skip_top(n.as_u64().unwrap() as usize);
            }
            if let Some(n) = kw.get("maxlen") {
                opts = opts.maxlen(n.as_u64().unwrap() as usize);
            }
            if let Some(n) = kw.get("seed") {
                opts = opts.seed(n.as_u64().unwrap() as u32);
            }
            if let Some(n) = kw.get("index_from") {
                opts = opts.index_from(n.as_i64().unwrap());
            }
            if let Some(v) = kw.get("start_char") {
                opts = opts.start_char(v.as_i64());
            }
            if let Some(v) = kw.get("oov_char") {
                opts = opts.oov_char(v.as_i64());
            }
            let (train, test) = opts.load_from(&fixture(file)).unwrap();
            assert_eq!(train.x, seqs(&case["x_train"]), "{file} {kw}");
            assert_eq!(train.y.to_vec(), i64s(&case["y_train"]), "{file} {kw}");
            assert_eq!(test.x, seqs(&case["x_test"]), "{file} {kw}");
            assert_eq!(test.y.to_vec(), i64s(&case["y_test"]), "{file} {kw}");
        }
    }
}
