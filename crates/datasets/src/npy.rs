//! Reader for NumPy `.npy` arrays and `.npz` archives: numeric dtypes (little or big endian) and pickled
//! object arrays of int lists (Keras `imdb.npz`). Declared shapes are checked against the bytes present
//! before anything is allocated.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::error::{DatasetsError, Result};
use crate::pickle::{unpickle, PyValue};

/// Largest `.npz` member read into memory (the biggest lecture file member is well under this).
pub const MAX_NPZ_MEMBER_BYTES: u64 = 4 << 30;

/// Array payload, widened to one type per kind.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    /// Any integer or bool dtype.
    Int(Vec<i64>),
    /// Any float dtype.
    Float(Vec<f64>),
    /// `dtype=object` elements, each decoded from the pickle.
    Object(Vec<PyValue>),
}

/// One array: C-order `shape` and `data`.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub data: NpyData,
}

fn bad(path: &Path, message: impl Into<String>) -> DatasetsError {
    DatasetsError::Archive {
        path: path.to_path_buf(),
        format: "npy",
        message: message.into(),
    }
}

/// Parses the bytes of one `.npy` file; `path` is only used in error messages.
pub fn parse_npy(bytes: &[u8], path: &Path) -> Result<NpyArray> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(path, "missing \\x93NUMPY magic"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(bad(path, "truncated header"));
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(bad(path, format!("unsupported .npy version {v}"))),
    };
    if header_len > bytes.len() - start {
        return Err(bad(
            path,
            format!("header of {header_len} bytes runs past the end of the file"),
        ));
    }
    let header = std::str::from_utf8(&bytes[start..start + header_len])
        .map_err(|_| bad(path, "header is not text"))?;
    let descr = dict_str(header, "descr")
        .ok_or_else(|| bad(path, format!("no 'descr' in header {header:?}")))?;
    let fortran = header_value(header, "fortran_order")
        .map(|v| v.starts_with("True"))
        .unwrap_or(false);
    let shape = parse_shape(header)
        .ok_or_else(|| bad(path, format!("bad 'shape' in header {header:?}")))?;
    if fortran && shape.len() > 1 {
        return Err(bad(
            path,
            "fortran_order arrays of rank > 1 are not supported; save with np.ascontiguousarray",
        ));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(path, format!("shape {shape:?} overflows")))?;
    let body = &bytes[start + header_len..];
    let data = if descr == "|O" || descr == "O" {
        let value =
            unpickle(body).map_err(|e| bad(path, format!("object array pickle: {}", e.0)))?;
        let items = object_items(value)
            .ok_or_else(|| bad(path, "object array pickle is not an ndarray of objects"))?;
        if items.len() != count {
            return Err(bad(
                path,
                format!(
                    "shape {shape:?} declares {count} objects, pickle holds {}",
                    items.len()
                ),
            ));
        }
        NpyData::Object(items)
    } else {
        numeric(&descr, body, count).map_err(|m| bad(path, m))?
    };
    Ok(NpyArray { shape, data })
}

/// Decodes `count` numeric elements of dtype `descr`, checking the byte count first.
fn numeric(descr: &str, body: &[u8], count: usize) -> std::result::Result<NpyData, String> {
    let (order, kind_size) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('<', descr),
    };
    let kind = kind_size.chars().next().ok_or("empty dtype")?;
    let size: usize = kind_size[1..]
        .parse()
        .map_err(|_| format!("unsupported dtype {descr:?}"))?;
    let need = count.checked_mul(size).ok_or("array size overflows")?;
    if need > body.len() {
        return Err(format!(
            "shape declares {count} elements of {size} bytes ({need} bytes) but only {} bytes follow",
            body.len()
        ));
    }
    let big = order == '>';
    let chunks = body[..need].chunks_exact(size.max(1));
    let word = |c: &[u8]| -> [u8; 8] {
        let mut a = [0u8; 8];
        if big {
            for (i, b) in c.iter().rev().enumerate() {
                a[i] = *b;
            }
        } else {
            a[..c.len()].copy_from_slice(c);
        }
        a
    };
    match (kind, size) {
        ('i', 1 | 2 | 4 | 8) => Ok(NpyData::Int(
            chunks
                .map(|c| {
                    let shift = 64 - 8 * size as u32;
                    (i64::from_le_bytes(word(c)) << shift) >> shift
                })
                .collect(),
        )),
        ('u' | 'b', 1 | 2 | 4) => Ok(NpyData::Int(
            chunks.map(|c| i64::from_le_bytes(word(c))).collect(),
        )),
        ('u', 8) => chunks
            .map(|c| {
                i64::try_from(u64::from_le_bytes(word(c)))
                    .map_err(|_| "uint64 value above i64::MAX".to_string())
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(NpyData::Int),
        ('f', 4) => Ok(NpyData::Float(
            chunks
                .map(|c| f64::from(f32::from_bits(u64::from_le_bytes(word(c)) as u32)))
                .collect(),
        )),
        ('f', 8) => Ok(NpyData::Float(
            chunks
                .map(|c| f64::from_bits(u64::from_le_bytes(word(c))))
                .collect(),
        )),
        _ => Err(format!("unsupported dtype {descr:?}")),
    }
}

/// The element list of a pickled `numpy.ndarray` of objects (`_reconstruct` + `BUILD` state).
fn object_items(v: PyValue) -> Option<Vec<PyValue>> {
    let PyValue::Object {
        callable, state, ..
    } = v
    else {
        return None;
    };
    let PyValue::Global(module, name) = *callable else {
        return None;
    };
    if !module.starts_with("numpy") || name != "_reconstruct" {
        return None;
    }
    let PyValue::Tuple(mut st) = *state? else {
        return None;
    };
    if st.len() != 5 {
        return None;
    }
    match st.swap_remove(4) {
        PyValue::List(items) => Some(items),
        PyValue::IntList(ints) => Some(ints.into_iter().map(PyValue::Int).collect()),
        _ => None,
    }
}

/// The raw text after `'key':` in the header dict.
fn header_value<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let pat = format!("'{key}':");
    let i = header.find(&pat)?;
    Some(header[i + pat.len()..].trim_start())
}

/// A quoted string value from the header dict.
fn dict_str(header: &str, key: &str) -> Option<String> {
    let v = header_value(header, key)?;
    let q = v.chars().next()?;
    if q != '\'' && q != '"' {
        return None;
    }
    let end = v[1..].find(q)?;
    Some(v[1..1 + end].to_string())
}

/// `'shape': (a, b, )` → `[a, b]`.
fn parse_shape(header: &str) -> Option<Vec<usize>> {
    let v = header_value(header, "shape")?.strip_prefix('(')?;
    let end = v.find(')')?;
    v[..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().ok())
        .collect()
}

/// Reads every `*.npy` member of an `.npz` archive, keyed by name without `.npy`.
pub fn load_npz(path: &Path) -> Result<BTreeMap<String, NpyArray>> {
    let file = std::fs::File::open(path).map_err(|e| DatasetsError::io("cannot open", path, e))?;
    let zip_err = |e: zip::result::ZipError| DatasetsError::Archive {
        path: path.to_path_buf(),
        format: "zip",
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_err)?;
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let member = archive.by_index(i).map_err(zip_err)?;
        let name = member.name().to_string();
        let Some(key) = name.strip_suffix(".npy") else {
            continue;
        };
        let key = key.to_string();
        // Read at most the limit + 1 bytes: the declared size in the zip header is not trusted.
        let mut bytes = Vec::new();
        member
            .take(MAX_NPZ_MEMBER_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| DatasetsError::Archive {
                path: path.to_path_buf(),
                format: "zip",
                message: format!("member {name}: {e}"),
            })?;
        if bytes.len() as u64 > MAX_NPZ_MEMBER_BYTES {
            return Err(DatasetsError::TooLarge {
                path: path.to_path_buf(),
                what: "npz member",
                declared: bytes.len() as u64,
                limit: MAX_NPZ_MEMBER_BYTES,
            });
        }
        let arr = parse_npy(&bytes, &path.join(&name))?;
        out.insert(key, arr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut v = b"\x93NUMPY\x01\x00".to_vec();
        v.extend_from_slice(&(header.len() as u16).to_le_bytes());
        v.extend_from_slice(header.as_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn numeric_dtypes_and_endianness() {
        let p = Path::new("t.npy");
        let a = parse_npy(
            &npy(
                "<i8",
                "(2,)",
                &[
                    1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                ],
            ),
            p,
        )
        .unwrap();
        assert_eq!(
            a,
            NpyArray {
                shape: vec![2],
                data: NpyData::Int(vec![1, -1])
            }
        );
        let b = parse_npy(&npy(">i2", "(1, 1)", &[0x01, 0x02]), p).unwrap();
        assert_eq!(b.data, NpyData::Int(vec![258]));
        let c = parse_npy(&npy("<f4", "()", &1.5f32.to_le_bytes()), p).unwrap();
        assert_eq!((c.shape.len(), c.data), (0, NpyData::Float(vec![1.5])));
        let d = parse_npy(&npy("|u1", "(3,)", &[0, 128, 255]), p).unwrap();
        assert_eq!(d.data, NpyData::Int(vec![0, 128, 255]));
    }

    #[test]
    fn huge_declared_shape_is_rejected_without_allocating() {
        let p = Path::new("t.npy");
        let e = parse_npy(&npy("<i8", "(1000000000000,)", &[0; 8]), p).unwrap_err();
        assert!(e.to_string().contains("only 8 bytes follow"), "{e}");
        let e = parse_npy(&npy("<i8", "(18446744073709551615, 3)", &[]), p).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
        assert!(parse_npy(b"\x93NUMPY\x01\x00\xff\xff{", p).is_err());
        assert!(parse_npy(b"PK\x03\x04", p).is_err());
    }
}
