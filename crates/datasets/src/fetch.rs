//! One call per lecture dataset: ensure it is in the [`Cache`] (downloading on first use), then load it.

use std::collections::HashMap;

use crate::aclimdb::load_aclimdb;
use crate::cache::Cache;
use crate::error::{DatasetsError, Result};
use crate::fortune500::Fortune500;
use crate::glove::GloveVectors;
use crate::imdb::{get_word_index, ImdbLoadData, Sequences};
use crate::mnist::MnistCsv;
use crate::quora::Quora;
use crate::shapes::ShapeCurves;
use crate::sst::SstReviews;
use crate::text_labels::TextLabels;
use crate::tweets::Tweets;
use crate::yelp::load_yelp_polarity_csv;

impl Cache {
    /// `fortune500_100_days.csv`.
    pub fn fortune500_100_days(&self) -> Result<Fortune500> {
        self.ensure("fortune500_100_days")?;
        Fortune500::load(&self.path("fortune500_100_days.csv"))
    }

    /// `quora_small.csv`.
    pub fn quora_small(&self) -> Result<Quora> {
        self.ensure("quora_small")?;
        Quora::load(&self.path("quora_small.csv"))
    }

    /// (train, test) of `shape_classification_*.csv`.
    pub fn shape_classification(&self) -> Result<(ShapeCurves, ShapeCurves)> {
        self.ensure("shape_classification")?;
        Ok((
            ShapeCurves::load(&self.path("shape_classification_train.csv"))?,
            ShapeCurves::load(&self.path("shape_classification_test.csv"))?,
        ))
    }

    /// (train, test) of `sst_movie_reviews_processed_*.csv.gz`.
    pub fn sst_movie_reviews_processed(&self) -> Result<(SstReviews, SstReviews)> {
        self.ensure("sst_movie_reviews_processed")?;
        Ok((
            SstReviews::load(&self.path("sst_movie_reviews_processed_train.csv.gz"))?,
            SstReviews::load(&self.path("sst_movie_reviews_processed_test.csv.gz"))?,
        ))
    }

    /// `mnist_test.csv.gz` (10 000 rows).
    pub fn mnist_test_csv(&self) -> Result<MnistCsv> {
        self.ensure("mnist_test_csv")?;
        MnistCsv::load(&self.path("mnist_test.csv.gz"))
    }

    /// `mnist_train.csv.gz` (60 000 rows).
    pub fn mnist_train_csv(&self) -> Result<MnistCsv> {
        self.ensure("mnist_train_csv")?;
        MnistCsv::load(&self.path("mnist_train.csv.gz"))
    }

    /// (train, test) of Kaggle's `nlp_getting_started`.
    pub fn nlp_getting_started(&self) -> Result<(Tweets, Tweets)> {
        self.ensure("nlp_getting_started")?;
        Ok((
            Tweets::load(&self.path("nlp_getting_started/train.csv"))?,
            Tweets::load(&self.path("nlp_getting_started/test.csv"))?,
        ))
    }

    /// (train, test) of Yelp review polarity, labels 0/1.
    pub fn yelp_review_polarity(&self) -> Result<(TextLabels, TextLabels)> {
        self.ensure("yelp_review_polarity")?;
        Ok((
            load_yelp_polarity_csv(&self.path("yelp_review_polarity_csv/train.csv"))?,
            load_yelp_polarity_csv(&self.path("yelp_review_polarity_csv/test.csv"))?,
        ))
    }

    /// Keras `imdb.load_data(...)` with the given options.
    pub fn imdb_load_data(&self, options: &ImdbLoadData) -> Result<(Sequences, Sequences)> {
        self.ensure("imdb")?;
        options.load_from(&self.path("imdb.npz"))
    }

    /// Keras `imdb.get_word_index()`.
    pub fn imdb_get_word_index(&self) -> Result<HashMap<String, i64>> {
        self.ensure("imdb")?;
        get_word_index(&self.path("imdb_word_index.json"))
    }

    /// Raw aclImdb reviews of `split` ("train" or "test").
    pub fn aclimdb(&self, split: &str) -> Result<TextLabels> {
        self.ensure("aclImdb")?;
        load_aclimdb(&self.path("aclImdb"), split)
    }

    /// GloVe 6B vectors of dimension 50, 100, 200 or 300.
    pub fn glove_6b(&self, dim: usize) -> Result<GloveVectors> {
        if ![50, 100, 200, 300].contains(&dim) {
            return Err(DatasetsError::invalid(
                "dim",
                format!("{dim}: glove.6B comes in 50, 100, 200 and 300 dimensions"),
            ));
        }
        self.ensure("glove.6B")?;
        GloveVectors::load(&self.path(&format!("glove.6B/glove.6B.{dim}d.txt")))
    }
}
