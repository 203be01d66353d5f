//! The dataset registry: for each lecture dataset, its canonical URL(s), expected SHA-256 and size, how it is
//! unpacked, which paths it provides inside the cache, and a licence note.
//!
//! Hashes and sizes are pinned only where they were computed from a copy of the file (the lecture data
//! mirror) or published by Keras itself (`imdb.npz`). Elsewhere they are `None`: those downloads are
//! checked by size/format only and the computed SHA-256 is printed so it can be pinned here.

use crate::archive::ArchiveKind;

/// How a downloaded archive is unpacked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extract {
    pub kind: ArchiveKind,
    /// Folder (relative to the cache root) the members are extracted into; `""` for the root itself.
    pub into: String,
    /// Members (relative to the cache root) whose SHA-256 is known, checked after extraction.
    pub member_sha256: Vec<(String, String)>,
}

/// One file to download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    pub url: String,
    /// Where the download is stored, relative to the cache root.
    pub file_name: String,
    /// Lower-case hex SHA-256, when known.
    pub sha256: Option<String>,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    pub extract: Option<Extract>,
    /// Paths (relative to the cache root) whose presence means this file is already in place.
    pub provides: Vec<String>,
}

/// A named dataset: one or more files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetEntry {
    pub name: String,
    pub description: String,
    pub licence: String,
    pub files: Vec<RemoteFile>,
}

fn plain(url: &str, file_name: &str, sha256: Option<&str>, size: Option<u64>) -> RemoteFile {
    RemoteFile {
        url: url.to_string(),
        file_name: file_name.to_string(),
        sha256: sha256.map(str::to_string),
        size,
        extract: None,
        provides: vec![file_name.to_string()],
    }
}

fn archive(
    url: &str,
    file_name: &str,
    sha256: Option<&str>,
    extract: Extract,
    provides: &[&str],
) -> RemoteFile {
    RemoteFile {
        url: url.to_string(),
        file_name: file_name.to_string(),
        sha256: sha256.map(str::to_string),
        size: None,
        extract: Some(extract),
        provides: provides.iter().map(|s| s.to_string()).collect(),
    }
}

fn entry(name: &str, description: &str, licence: &str, files: Vec<RemoteFile>) -> DatasetEntry {
    DatasetEntry {
        name: name.to_string(),
        description: description.to_string(),
        licence: licence.to_string(),
        files,
    }
}

const DSAPPS: &str = "https://raw.githubusercontent.com/DSApps-2023/Class_Slides/main/data/";
const BTAI: &str = "https://raw.githubusercontent.com/srush/BT-AI/main/notebooks/";
const KERAS: &str = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/";

/// Every dataset the lectures use.
pub fn registry() -> Vec<DatasetEntry> {
    vec![
        entry(
            "fortune500_100_days",
            "502 Fortune-500 stocks x (name + 101 standardized closing prices) — lecture 18",
            "course material of DSApps-2023/Class_Slides (no licence file known to us; check the repository before redistributing)",
            vec![plain(
                &format!("{DSAPPS}fortune500_100_days.csv"),
                "fortune500_100_days.csv",
                Some("aa7a8a47c98e74bc26ceb971ba4af158bcb7b27272e9bf7d82303b8bb8a2f582"),
                Some(620_274),
            )],
        ),
        entry(
            "quora_small",
            "1000 Quora question pairs (UTF-8 with BOM) — lecture 18 Siamese LSTM",
            "subset of the Quora Question Pairs release (Quora's terms apply), from DSApps-2023/Class_Slides",
            vec![plain(
                &format!("{DSAPPS}quora_small.csv"),
                "quora_small.csv",
                Some("7206d5025344686fdffd34442a6239fe8e1ba6f37a8b5998b22b36b68bb89d74"),
                Some(134_700),
            )],
        ),
        entry(
            "shape_classification",
            "1200/300 curves of 55 points: square, triangle, ellipse — BT-AI Lab 8",
            "course material of srush/BT-AI (check the repository's licence before redistributing)",
            vec![
                plain(
                    &format!("{BTAI}shape_classification_train.csv"),
                    "shape_classification_train.csv",
                    Some("f11eb861a681f0267b44ff2de0e420da9f7fb8797166fead355f780ebf49bd5d"),
                    Some(500_857),
                ),
                plain(
                    &format!("{BTAI}shape_classification_test.csv"),
                    "shape_classification_test.csv",
                    Some("d7808c4daeccb341758114ac8b4f9f46857ad45b8fff4c5f9294a04d9fba5a78"),
                    Some(127_082),
                ),
            ],
        ),
        entry(
            "sst_movie_reviews_processed",
            "SST-2 reviews as 55 tokens (PAD/OOV), 6920/1821 rows — BT-AI Lab 8",
            "derived from the Stanford Sentiment Treebank (Socher et al. 2013) by srush/BT-AI",
            vec![
                plain(
                    &format!("{BTAI}sst_movie_reviews_processed_train.csv.gz"),
                    "sst_movie_reviews_processed_train.csv.gz",
                    Some("6ea767e97c60269f9c72734802e3a2b083cbdb308a7f0f5d0d244038c603925b"),
                    Some(300_854),
                ),
                plain(
                    &format!("{BTAI}sst_movie_reviews_processed_test.csv.gz"),
                    "sst_movie_reviews_processed_test.csv.gz",
                    Some("1ad38da033e91abb7e9852e20aeca0b65a979d6c152f5b3651d6062b5dd7b95c"),
                    Some(75_951),
                ),
            ],
        ),
        entry(
            "mnist_test_csv",
            "MNIST test set as CSV (class,1x1..28x28), 10000 rows — BT-AI Lab 8",
            "MNIST (LeCun, Cortes, Burges); CSV conversion by srush/BT-AI",
            vec![plain(
                "https://srush.github.io/BT-AI/notebooks/mnist_test.csv.gz",
                "mnist_test.csv.gz",
                Some("78c70d2bb1708cbedae589b29c9c7a2ad58ea033f56d3bc3057990ab1926a9bb"),
                Some(2_209_652),
            )],
        ),
        entry(
            "mnist_train_csv",
            "MNIST training set as CSV (class,1x1..28x28), 60000 rows — BT-AI Lab 8 (hash not pinned)",
            "MNIST (LeCun, Cortes, Burges); CSV conversion by srush/BT-AI",
            vec![plain("https://srush.github.io/BT-AI/notebooks/mnist_train.csv.gz", "mnist_train.csv.gz", None, None)],
        ),
        entry(
            "nlp_getting_started",
            "Kaggle 'NLP with Disaster Tweets': train 7613 / test 3263 / sample_submission — ZTM notebook 08",
            "Kaggle competition data (see the competition's rules); zip hosted by the ZTM TensorFlow course",
            vec![archive(
                "https://storage.googleapis.com/ztm_tf_course/nlp_getting_started.zip",
                "nlp_getting_started.zip",
                None,
                Extract {
                    kind: ArchiveKind::Zip,
                    into: "nlp_getting_started".to_string(),
                    member_sha256: vec![
                        (
                            "nlp_getting_started/train.csv".to_string(),
                            "61111c6dc31eaffa34d1e1fa62e2395325c9bc3b38bba1941a5f1ed9b3fa60df".to_string(),
                        ),
                        (
                            "nlp_getting_started/test.csv".to_string(),
                            "33375dc852696331c5ad30d078ea4d20e357b74052be6225fecc2a2b0f468bd2".to_string(),
                        ),
                    ],
                },
                &["nlp_getting_started/train.csv", "nlp_getting_started/test.csv"],
            )],
        ),
        entry(
            "yelp_review_polarity",
            "Yelp polarity (Zhang et al. 2015): 560000 train / 38000 test reviews — lecture 18 (hash not pinned)",
            "Yelp Dataset terms (non-commercial research use); packaged by fast.ai",
            vec![archive(
                "https://s3.amazonaws.com/fast-ai-nlp/yelp_review_polarity_csv.tgz",
                "yelp_review_polarity_csv.tgz",
                None,
                Extract {
                    kind: ArchiveKind::TarGz,
                    into: String::new(),
                    member_sha256: Vec::new(),
                },
                &["yelp_review_polarity_csv/train.csv", "yelp_review_polarity_csv/test.csv"],
            )],
        ),
        entry(
            "imdb",
            "Keras IMDb: 25000/25000 reviews as word-rank ids + word index — BST 261",
            "Large Movie Review Dataset (Maas et al. 2011), preprocessed by Keras",
            vec![
                plain(
                    &format!("{KERAS}imdb.npz"),
                    "imdb.npz",
                    // Published by Keras itself (keras.datasets.imdb file_hash).
                    Some("69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
                    None,
                ),
                // Keras pins this one by MD5 (bfafd718b763782e994055a2d397834f) only; no SHA-256 known.
                plain(&format!("{KERAS}imdb_word_index.json"), "imdb_word_index.json", None, None),
            ],
        ),
        entry(
            "aclImdb",
            "Large Movie Review Dataset v1, raw text: train/test pos/neg + unsup — BST 261 (hash not pinned)",
            "Maas et al. 2011 (ACL); distributed by Stanford AI Lab for research",
            vec![archive(
                "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                "aclImdb_v1.tar.gz",
                None,
                Extract {
                    kind: ArchiveKind::TarGz,
                    into: String::new(),
                    member_sha256: Vec::new(),
                },
                &["aclImdb/train", "aclImdb/test"],
            )],
        ),
        entry(
            "glove.6B",
            "GloVe 6B word vectors (50/100/200/300 d), 400000 words — BST 261 (hash not pinned)",
            "Public Domain Dedication and License (PDDL), Pennington, Socher, Manning 2014",
            vec![archive(
                "https://nlp.stanford.edu/data/glove.6B.zip",
                "glove.6B.zip",
                None,
                Extract {
                    kind: ArchiveKind::Zip,
                    into: "glove.6B".to_string(),
                    member_sha256: Vec::new(),
                },
                &[
                    "glove.6B/glove.6B.50d.txt",
                    "glove.6B/glove.6B.100d.txt",
                    "glove.6B/glove.6B.200d.txt",
                    "glove.6B/glove.6B.300d.txt",
                ],
            )],
        ),
    ]
}

/// The entry called `name`.
pub fn lookup(name: &str) -> crate::Result<DatasetEntry> {
    let all = registry();
    let known = all
        .iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    all.into_iter()
        .find(|e| e.name == name)
        .ok_or(crate::DatasetsError::UnknownDataset {
            name: name.to_string(),
            known,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unique_hashes_well_formed() {
        let all = registry();
        let mut names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for f in all.iter().flat_map(|e| &e.files) {
            assert!(f.url.starts_with("https://"), "{}", f.url);
            assert!(!f.provides.is_empty());
            let member_hashes = f
                .extract
                .iter()
                .flat_map(|x| x.member_sha256.iter().map(|(_, h)| h));
            for h in f.sha256.iter().chain(member_hashes) {
                assert_eq!(h.len(), 64);
                assert!(h
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            }
        }
        assert!(lookup("quora_small").is_ok());
        let e = lookup("nope").unwrap_err().to_string();
        assert!(e.contains("fortune500_100_days"), "{e}");
    }
}
