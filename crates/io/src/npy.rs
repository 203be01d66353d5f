//! A small `.npy` reader/writer (numpy format versions 1–3, C order): integer arrays become
//! `i64`, float arrays `f32`, so they feed a model's integer or float inputs directly.
use crate::error::{IoError, Result};
use kerust_layers::Data;
use kerust_tensor::{IntTensor, Tensor};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element values of an array: integers (any numpy int/uint/bool width) or floats.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    Int(Vec<i64>),
    Float(Vec<f32>),
}

/// A decoded `.npy` array.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub data: NpyData,
}

impl NpyArray {
    /// A float array.
    pub fn float(shape: &[usize], data: Vec<f32>) -> Self {
        Self {
            shape: shape.to_vec(),
            data: NpyData::Float(data),
        }
    }
    /// An integer array.
    pub fn int(shape: &[usize], data: Vec<i64>) -> Self {
        Self {
            shape: shape.to_vec(),
            data: NpyData::Int(data),
        }
    }
    /// As model input data (integer arrays stay integer ids).
    pub fn to_data(&self) -> Result<Data> {
        let err = |e: kerust_tensor::TensorError| IoError::format("<npy>", "/", e.to_string());
        Ok(match &self.data {
            NpyData::Int(v) => Data::Int(IntTensor::from_vec(v.clone(), &self.shape).map_err(err)?),
            NpyData::Float(v) => {
                Data::Float(Tensor::from_vec(v.clone(), &self.shape).map_err(err)?)
            }
        })
    }
    /// A float array holding a tensor's values.
    pub fn from_tensor(t: &Tensor) -> Result<Self> {
        let v = t
            .to_vec()
            .map_err(|e| IoError::format("<tensor>", "/", e.to_string()))?;
        Ok(Self::float(t.shape(), v))
    }
}

/// Largest `.npy` file read (a pipe or device: [`crate::atomic::MAX_NON_REGULAR_BYTES`]).
pub const MAX_NPY_BYTES: u64 = 16 << 30;

/// Read a `.npy` file: a regular file's length is checked first, a pipe or device is read with a
/// bound, and the header's shape is checked against the bytes present before allocating.
pub fn read_npy(path: impl AsRef<Path>) -> Result<NpyArray> {
    let path = path.as_ref();
    let bytes = crate::atomic::read_limited(path, MAX_NPY_BYTES)?;
    parse_npy(&bytes, path)
}

/// Decode `.npy` bytes; `path` names the source in errors. Sizes are checked against the bytes
/// actually present before anything is allocated.
pub fn parse_npy(bytes: &[u8], path: &Path) -> Result<NpyArray> {
    let bad = |m: String| IoError::format(path, "npy header", m);
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("not a .npy file (missing the \\x93NUMPY magic)".into()));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported .npy format version {v}"))),
    };
    let end = start
        .checked_add(hlen)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            bad(format!(
                "header length {hlen} runs past the end of the file"
            ))
        })?;
    let header =
        std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text".into()))?;
    let descr = dict_value(header, "descr")
        .and_then(|v| v.strip_prefix('\'').and_then(|v| v.split('\'').next()))
        .ok_or_else(|| bad(format!("no 'descr' in header {header:?}")))?;
    let fortran = dict_value(header, "fortran_order").is_some_and(|v| v.starts_with("True"));
    if fortran {
        return Err(bad(
            "Fortran-order arrays are not supported; save with np.ascontiguousarray".into(),
        ));
    }
    let shape_txt = dict_value(header, "shape")
        .and_then(|v| v.strip_prefix('('))
        .and_then(|v| v.split(')').next())
        .ok_or_else(|| bad(format!("no 'shape' in header {header:?}")))?;
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(format!("bad shape ({shape_txt})")))?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    let (order, kind, size) = parse_descr(descr).ok_or_else(|| {
        bad(format!(
            "unsupported dtype '{descr}'; use float32/float64 or an integer type"
        ))
    })?;
    let body = &bytes[end..];
    let need = n
        .checked_mul(size)
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    if body.len() < need {
        return Err(IoError::format(
            path,
            "npy data",
            format!(
                "shape {shape:?} of {descr} needs {need} bytes but the file holds {}; the file is truncated",
                body.len()
            ),
        ));
    }
    let chunks = body[..need].chunks_exact(size.max(1));
    let word = |c: &[u8]| -> [u8; 8] {
        let mut w = [0u8; 8];
        if order == '>' {
            for (i, b) in c.iter().rev().enumerate() {
                w[i] = *b;
            }
        } else {
            w[..c.len()].copy_from_slice(c);
        }
        w
    };
    let data = match (kind, size) {
        ('f', 4) => NpyData::Float(
            chunks
                .map(|c| f32::from_le_bytes(word(c)[..4].try_into().unwrap_or([0; 4])))
                .collect(),
        ),
        ('f', 8) => NpyData::Float(chunks.map(|c| f64::from_le_bytes(word(c)) as f32).collect()),
        ('i', s) => NpyData::Int(
            chunks
                .map(|c| {
                    let w = word(c);
                    // Sign-extend from the element width.
                    let shift = 64 - 8 * s as u32;
                    ((i64::from_le_bytes(w)) << shift) >> shift
                })
                .collect(),
        ),
        ('u' | 'b', _) => {
            NpyData::Int(chunks.map(|c| u64::from_le_bytes(word(c)) as i64).collect())
        }
        _ => return Err(bad(format!("unsupported dtype '{descr}'"))),
    };
    Ok(NpyArray { shape, data })
}

/// The text after `'key':` in a header dict.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("'{key}':");
    let i = header.find(&pat)? + pat.len();
    Some(header[i..].trim_start())
}

/// `<f4` → ('<', 'f', 4).
fn parse_descr(d: &str) -> Option<(char, char, usize)> {
    let mut c = d.chars();
    let order = c.next()?;
    let (order, kind) = if matches!(order, '<' | '>' | '|' | '=') {
        (order, c.next()?)
    } else {
        ('|', order)
    };
    let size: usize = c.as_str().parse().ok()?;
    let ok = match kind {
        'f' => size == 4 || size == 8,
        'i' | 'u' => matches!(size, 1 | 2 | 4 | 8),
        'b' => size == 1,
        _ => false,
    };
    ok.then_some((if order == '>' { '>' } else { '<' }, kind, size))
}

/// Encode an array as `.npy` version 1 bytes (`<f4` or `<i8`).
pub fn npy_bytes(a: &NpyArray) -> Vec<u8> {
    let descr = match a.data {
        NpyData::Float(_) => "<f4",
        NpyData::Int(_) => "<i8",
    };
    let shape = match a.shape.len() {
        1 => format!("({},)", a.shape[0]),
        _ => format!(
            "({})",
            a.shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad so the data starts on a 64-byte boundary, ending with a newline (numpy's layout).
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + a.shape.iter().product::<usize>() * 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match &a.data {
        NpyData::Float(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        NpyData::Int(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
    }
    out
}

/// Write a `.npy` file atomically.
pub fn write_npy(path: impl AsRef<Path>, a: &NpyArray) -> Result<()> {
    crate::atomic::write_atomic(path.as_ref(), &npy_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_numpy_layouts() {
        let p = Path::new("t.npy");
        let a = NpyArray::float(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, -6.5]);
        let b = npy_bytes(&a);
        assert_eq!((b.len() - 24) % 64, 0, "data starts on a 64-byte boundary");
        assert_eq!(parse_npy(&b, p).unwrap(), a);
        let i = NpyArray::int(&[3], vec![-1, 0, 7]);
        assert_eq!(parse_npy(&npy_bytes(&i), p).unwrap(), i);
        let s = NpyArray::int(&[], vec![42]);
        assert_eq!(parse_npy(&npy_bytes(&s), p).unwrap(), s);
        // numpy's int32 / big-endian / uint8 variants.
        let h = |descr: &str, shape: &str, body: &[u8]| {
            let header =
                format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
            let mut v = MAGIC.to_vec();
            v.extend_from_slice(&[1, 0]);
            v.extend_from_slice(&(header.len() as u16).to_le_bytes());
            v.extend_from_slice(header.as_bytes());
            v.extend_from_slice(body);
            parse_npy(&v, p)
        };
        assert_eq!(
            h("<i4", "(2,)", &[255, 255, 255, 255, 5, 0, 0, 0])
                .unwrap()
                .data,
            NpyData::Int(vec![-1, 5])
        );
        assert_eq!(
            h(">i2", "(1,)", &[1, 2]).unwrap().data,
            NpyData::Int(vec![258])
        );
        assert_eq!(
            h("|u1", "(2,)", &[200, 3]).unwrap().data,
            NpyData::Int(vec![200, 3])
        );
        assert_eq!(
            h("<f8", "(1,)", &1.5f64.to_le_bytes()).unwrap().data,
            NpyData::Float(vec![1.5])
        );
        // Lies about size are errors, never allocations.
        assert!(h("<f4", "(1000000000000,)", &[0; 8]).is_err());
        assert!(h("<f4", "(99999999999999999999,)", &[]).is_err());
        assert!(h("<c8", "(1,)", &[0; 8]).is_err());
        assert!(parse_npy(b"\x93NUMPY\x01\x00\xff\xff", p).is_err());
    }
}
