//! `logs`: metric name → value in Keras order (loss, metrics, val_loss, val_metrics).

/// An ordered map of logged values, as Keras passes to callbacks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logs {
    entries: Vec<(String, f32)>,
}

impl Logs {
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `key` (keeping its first position).
    pub fn insert(&mut self, key: &str, value: f32) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }
    pub fn get(&self, key: &str) -> Option<f32> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), *v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Values in order (what Keras `evaluate` returns as a list).
    pub fn values(&self) -> Vec<f32> {
        self.entries.iter().map(|(_, v)| *v).collect()
    }
    /// Keras-style ` - loss: 0.1234 - mae: 0.5678`.
    pub fn format(&self) -> String {
        self.entries
            .iter()
            .map(|(k, v)| format!(" - {k}: {v:.4}"))
            .collect()
    }
}

impl std::ops::Index<usize> for Logs {
    type Output = f32;
    fn index(&self, i: usize) -> &f32 {
        &self.entries[i].1
    }
}
