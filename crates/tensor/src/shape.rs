//! Shape arithmetic: element counts with overflow checks, broadcasting, axis normalisation.
use crate::error::{Result, TensorError};

/// Largest tensor the library agrees to allocate (2^34 elements = 64 GiB of f32); a larger
/// shape almost always comes from a corrupt header or a typo.
pub const MAX_ELEMENTS: usize = 1 << 34;

/// Number of elements of `shape`, refusing overflow and absurd sizes.
pub fn checked_numel(op: &'static str, shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = n.checked_mul(d).ok_or_else(|| TensorError::TooLarge {
            op,
            shape: shape.to_vec(),
            detail: "element count overflows usize".into(),
        })?;
    }
    if n > MAX_ELEMENTS {
        return Err(TensorError::TooLarge {
            op,
            shape: shape.to_vec(),
            detail: format!("{n} elements exceeds the limit of {MAX_ELEMENTS}"),
        });
    }
    Ok(n)
}

/// Element count without checks, for shapes already validated.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Resolve a possibly negative axis (Python style) against `rank`.
pub fn normalize_axis(op: &'static str, axis: isize, rank: usize) -> Result<usize> {
    let a = if axis < 0 { axis + rank as isize } else { axis };
    if a < 0 || a as usize >= rank {
        return Err(TensorError::AxisOutOfRange { op, axis, rank });
    }
    Ok(a as usize)
}

/// NumPy broadcasting of two shapes.
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(TensorError::ShapeMismatch {
                op,
                lhs: a.to_vec(),
                rhs: b.to_vec(),
                hint: format!("dimension {i} differs ({da} vs {db}) and neither is 1"),
            });
        };
    }
    Ok(out)
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes("t", &[2, 3], &[3]).unwrap(), vec![2, 3]);
        assert_eq!(
            broadcast_shapes("t", &[2, 1, 4], &[3, 1]).unwrap(),
            vec![2, 3, 4]
        );
        assert!(broadcast_shapes("t", &[2, 3], &[4]).is_err());
    }

    #[test]
    fn huge_shapes_are_refused() {
        assert!(checked_numel("t", &[1 << 20, 1 << 20]).is_err());
        assert!(checked_numel("t", &[usize::MAX, 2]).is_err());
        assert_eq!(checked_numel("t", &[2, 3]).unwrap(), 6);
    }

    #[test]
    fn negative_axes_count_from_the_end() {
        assert_eq!(normalize_axis("t", -1, 3).unwrap(), 2);
        assert!(normalize_axis("t", 3, 3).is_err());
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
    }
}
