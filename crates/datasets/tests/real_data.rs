//! Loads every mirrored lecture file from `$KERUST_DATA` (e.g. `../shared/data`) and checks shapes and the
//! facts the lectures print. Skips, saying why, when the folder is not there. Nothing is downloaded: the
//! cache finds every file already present.

use std::path::PathBuf;

use kerust_datasets::{lookup, sha256_file, Cache, Vocabulary, SHAPE_CLASSES};

/// The lecture data folder (it holds fortune500_100_days.csv), or `None` after a visible skip line.
fn data_dir(test: &str) -> Option<PathBuf> {
    kerust_test_support::data_file(test, "fortune500_100_days.csv")
        .and_then(|f| f.parent().map(PathBuf::from))
}

fn cache(test: &str) -> Option<Cache> {
    data_dir(test).map(|d| Cache::at(d).progress(false))
}

#[test]
fn mirrored_files_match_registry_hashes() {
    let Some(dir) = data_dir("mirrored_files_match_registry_hashes") else {
        return;
    };
    let mut checked = 0;
    for name in [
        "fortune500_100_days",
        "quora_small",
        "shape_classification",
        "sst_movie_reviews_processed",
        "mnist_test_csv",
    ] {
        for f in lookup(name).unwrap().files {
            let path = dir.join(&f.file_name);
            assert_eq!(
                Some(sha256_file(&path).unwrap()),
                f.sha256,
                "{}",
                path.display()
            );
            assert_eq!(Some(std::fs::metadata(&path).unwrap().len()), f.size);
            checked += 1;
        }
    }
    for f in lookup("nlp_getting_started").unwrap().files {
        for (member, sha) in f.extract.unwrap().member_sha256 {
            assert_eq!(sha256_file(&dir.join(member)).unwrap(), sha);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

#[test]
fn fortune500_shape_and_lecture_baselines() {
    let Some(c) = cache("fortune500_shape_and_lecture_baselines") else {
        return;
    };
    let f = c.fortune500_100_days().unwrap();
    assert_eq!(f.prices.shape(), &[502, 101]);
    assert_eq!((f.x().shape(), f.y().len()), (&[502, 100][..], 502));
    assert!(f.names.iter().any(|n| n == "GOOG"));
    assert_eq!(f.names[..2], ["MMM", "AOS"]);
    assert!(
        (f.mean_baseline_mse() - 0.3516210190443937).abs() < 1e-12,
        "{}",
        f.mean_baseline_mse()
    );
    assert!(
        (f.last_value_baseline_mse() - 0.033289150367058463).abs() < 1e-12,
        "{}",
        f.last_value_baseline_mse()
    );
}

#[test]
fn quora_rows_and_duplicate_rate() {
    let Some(c) = cache("quora_rows_and_duplicate_rate") else {
        return;
    };
    let q = c.quora_small().unwrap();
    assert_eq!(q.pairs.len(), 1000);
    assert_eq!(q.is_duplicate().iter().sum::<i64>(), 380);
    assert!((q.duplicate_rate() - 0.38).abs() < 1e-12);
    assert!(q.pairs[0]
        .question1
        .starts_with("What is the step by step guide to invest in sh"));
}

#[test]
fn shapes_and_generator_resemble_each_other() {
    let Some(c) = cache("shapes_and_generator_resemble_each_other") else {
        return;
    };
    let (train, test) = c.shape_classification().unwrap();
    assert_eq!(train.x.shape(), &[1200, 55]);
    assert_eq!(test.x.shape(), &[300, 55]);
    for (k, name) in SHAPE_CLASSES.iter().enumerate() {
        assert_eq!(
            train.y.iter().filter(|&&y| y == k as i64).count(),
            400,
            "{name}"
        );
    }
    assert_eq!(train.class[0], "square");
    // The generator's curves live in the same range and support as the lab's.
    let gen = kerust_datasets::ShapeCurves::generate(1200, 0);
    for s in [&train, &gen] {
        let first_nz =
            s.x.rows()
                .into_iter()
                .map(|r| r.iter().position(|&v| v > 0.0).unwrap())
                .min()
                .unwrap();
        let last_nz =
            s.x.rows()
                .into_iter()
                .map(|r| r.iter().rposition(|&v| v > 0.0).unwrap())
                .max()
                .unwrap();
        assert!(
            (5..=6).contains(&first_nz) && last_nz == 48,
            "{first_nz} {last_nz}"
        );
    }
}

#[test]
fn sst_rows_and_vocabulary() {
    let Some(c) = cache("sst_rows_and_vocabulary") else {
        return;
    };
    let (train, test) = c.sst_movie_reviews_processed().unwrap();
    assert_eq!((train.tokens.len(), test.tokens.len()), (6920, 1821));
    assert_eq!(train.y.iter().sum::<i64>(), 3610);
    let v = Vocabulary::build(&[&train, &test]);
    assert_eq!(v.len(), 4823);
    assert_eq!(
        (v.word2id["a"], v.word2id["great"], v.word2id["cast"]),
        (7, 8, 9)
    );
    assert_eq!(v.id2word[51], "the");
    let ids = train.to_ids(&v).unwrap();
    assert_eq!(ids.shape(), &[6920, 55]);
    assert_eq!(ids[[0, 0]], 0);
}

#[test]
fn mnist_test_digits() {
    let Some(c) = cache("mnist_test_digits") else {
        return;
    };
    let m = c.mnist_test_csv().unwrap();
    assert_eq!(m.x.shape(), &[10000, 784]);
    let counts: Vec<usize> = (0..10)
        .map(|d| m.y.iter().filter(|&&y| y == d).count())
        .collect();
    assert_eq!(
        counts,
        vec![980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert!(m.x.iter().all(|&p| (0.0..=255.0).contains(&p)));
    assert_eq!(m.x.iter().cloned().fold(0.0f32, f32::max), 255.0);
}

#[test]
fn disaster_tweets_rows() {
    let Some(c) = cache("disaster_tweets_rows") else {
        return;
    };
    let (train, test) = c.nlp_getting_started().unwrap();
    assert_eq!((train.len(), test.len()), (7613, 3263));
    assert_eq!(train.target.as_ref().unwrap().iter().sum::<i64>(), 3271);
    assert!(test.target.is_none());
    assert_eq!(
        train.text[0],
        "Our Deeds are the Reason of this #earthquake May ALLAH Forgive us all"
    );
    assert!(
        train.text.iter().any(|t| t.contains('\n')),
        "quoted multi-line tweets are kept whole"
    );
}
