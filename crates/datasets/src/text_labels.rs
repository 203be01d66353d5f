//! A plain text-classification frame (texts + integer labels), shared by the Yelp and raw IMDb loaders.

/// `texts[i]` has label `labels[i]` (0 = negative, 1 = positive for the sentiment sets).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextLabels {
    pub texts: Vec<String>,
    pub labels: Vec<i64>,
}

impl TextLabels {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}
