//! Keras int-or-tuple arguments (`kernel_size=5` or `(3, 3)`) read from configs.
use crate::config::Cfg;
use crate::error::{LayerError, Result};
use serde_json::Value as Json;

/// Read `key` as `n` positive integers: a single int is repeated, a list must have `n` entries.
/// Absent or `null` gives `default` (`None` default → the field is required).
pub fn int_tuple(c: &Cfg, key: &str, n: usize, default: Option<&[usize]>) -> Result<Vec<usize>> {
    let bad = || {
        LayerError::config(
            format!("{} config", c.class),
            format!("field '{key}' must be a positive integer or a list of {n} positive integers"),
        )
    };
    let v: Vec<usize> = match c.get(key) {
        Json::Null => return default.map(<[usize]>::to_vec).ok_or_else(bad),
        Json::Number(x) => vec![x.as_u64().ok_or_else(bad)? as usize; n],
        Json::Array(a) if a.len() == n => a
            .iter()
            .map(|x| x.as_u64().map(|x| x as usize).ok_or_else(bad))
            .collect::<Result<_>>()?,
        _ => return Err(bad()),
    };
    if v.contains(&0) {
        return Err(bad());
    }
    Ok(v)
}

/// Reject a zero size with an error naming the layer and argument.
pub fn positive(layer: &str, what: &str, v: &[usize]) -> Result<()> {
    if v.contains(&0) {
        return Err(LayerError::config(
            format!("layer '{layer}'"),
            format!("{what} must be positive, got {v:?}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_lists_and_errors() {
        let v = json!({"k": 3, "l": [2, 4], "z": [0], "s": "x"});
        let c = Cfg::new("Conv2D", &v);
        assert_eq!(int_tuple(&c, "k", 2, None).unwrap(), vec![3, 3]);
        assert_eq!(int_tuple(&c, "l", 2, None).unwrap(), vec![2, 4]);
        assert_eq!(int_tuple(&c, "m", 1, Some(&[1])).unwrap(), vec![1]);
        assert!(int_tuple(&c, "l", 1, None).is_err());
        assert!(int_tuple(&c, "z", 1, None).is_err());
        assert!(int_tuple(&c, "s", 1, None).is_err());
        assert!(int_tuple(&c, "m", 1, None).is_err());
    }
}
