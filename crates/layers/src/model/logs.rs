//! `logs`: metric name → value in Keras order (loss, metrics, val_loss, val_metrics).

/// An ordered map of logged values, as Keras passes to callbacks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logs {
    entries: Vec<(String, f32)>,
}

impl Logs {
    /// Empty logs.
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
    /// The value of `key` (`loss`, `val_accuracy`, ...).
    pub fn get(&self, key: &str) -> Option<f32> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
    /// `(key, value)` pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), *v))
    }
    /// The keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Values in order (what Keras `evaluate` returns as a list).
    pub fn values(&self) -> Vec<f32> {
        self.entries.iter().map(|(_, v)| *v).collect()
    }
    /// Keras-style ` - loss: 0.1234 - learning_rate: 1.0000e-04` (`%.4f`, or `%.4e` for tiny values).
    pub fn format(&self) -> String {
        self.entries
            .iter()
            .map(|(k, v)| format!(" - {k}: {}", keras_number(*v)))
            .collect()
    }
}

/// Keras's progress-bar number: `%.4f` when `|v| > 1e-3`, else Python's `%.4e` (`1.0000e-04`).
pub fn keras_number(v: f32) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.abs() > 1e-3 {
        return format!("{v:.4}");
    }
    let s = format!("{v:.4e}");
    match s.split_once('e') {
        Some((mant, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            let sign = if e < 0 { '-' } else { '+' };
            format!("{mant}e{sign}{:02}", e.abs())
        }
        None => s,
    }
}

impl std::ops::Index<usize> for Logs {
    type Output = f32;
    fn index(&self, i: usize) -> &f32 {
        &self.entries[i].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_like_keras() {
        assert_eq!(keras_number(0.61234), "0.6123");
        assert_eq!(keras_number(0.001), "1.0000e-03");
        assert_eq!(keras_number(0.0), "0.0000e+00");
        assert_eq!(keras_number(12.5), "12.5000");
        let mut l = Logs::new();
        l.insert("loss", 0.5);
        l.insert("learning_rate", 1e-4);
        assert_eq!(l.format(), " - loss: 0.5000 - learning_rate: 1.0000e-04");
    }
}
