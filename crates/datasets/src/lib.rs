//! Loaders for the lecture datasets, plus verified downloads (canonical URL + SHA-256) into a cache. No tensor dependency.
//!
//! Every loader takes a path and returns plain typed records (`ndarray` arrays, `Vec<String>`, `Vec<i64>`).
//! The per-dataset methods of [`Cache`] (see [`fetch`]) first make sure the files are in the cache —
//! `KERUST_DATA`, else the platform cache dir — downloading, verifying and extracting them from the
//! [`registry()`] when missing, and then call the loader:
//!
//! ```no_run
//! let cache = kerust_datasets::Cache::new()?;
//! let stocks = cache.fortune500_100_days()?;
//! println!("{}", stocks.last_value_baseline_mse());
//! // No download needed: fresh curves of the three lab shapes.
//! let curves = kerust_datasets::ShapeCurves::generate(1200, 0);
//! # Ok::<(), kerust_datasets::DatasetsError>(())
//! ```

pub mod aclimdb;
pub mod archive;
pub mod batch;
pub mod cache;
pub mod download;
pub mod error;
pub mod fetch;
pub mod fortune500;
pub mod glove;
pub mod imdb;
pub mod lazy_csv;
pub mod mnist;
pub mod npy;
pub mod pickle;
pub mod quora;
pub mod random_state;
pub mod registry;
pub mod shapes;
pub mod source;
pub mod split;
pub mod sst;
pub mod text_labels;
pub mod tweets;
pub mod yelp;

pub use aclimdb::{load_aclimdb, load_aclimdb_unsup};
pub use archive::ArchiveKind;
pub use batch::{batch_indices, shuffled_indices, take, take_rows};
pub use cache::{default_data_dir, Cache, DATA_ENV};
pub use download::{download_file, sha256_file, Expected};
pub use error::{DatasetsError, Result};
pub use fortune500::Fortune500;
pub use glove::GloveVectors;
pub use imdb::{get_word_index, ImdbLoadData, Sequences};
pub use lazy_csv::LazyCsv;
pub use mnist::MnistCsv;
pub use quora::{Quora, QuoraPair};
pub use random_state::RandomState;
pub use registry::{lookup, registry, DatasetEntry, Extract, RemoteFile};
pub use shapes::{ShapeCurves, SHAPE_CLASSES};
pub use split::{train_test_split, SplitIndices, SplitSize, TrainTestSplit};
pub use sst::{SstReviews, Vocabulary, SST_CLASSES};
pub use text_labels::TextLabels;
pub use tweets::{load_sample_submission, Tweets};
pub use yelp::{load_yelp_polarity_csv, parse_yelp_record};
