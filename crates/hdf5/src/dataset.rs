//! Datasets held in memory: a shape, typed values in C (row-major) order, and attributes.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{AttrValue, Hdf5Error, Result};

/// The element type of a dataset, as numpy would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtype {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    /// Strings (fixed- or variable-length in the file; written back as variable-length UTF-8).
    Str,
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::U64 => "uint64",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::Str => "string",
        };
        f.write_str(s)
    }
}

/// Dataset values, flat in C order; the variant is the stored element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Str(Vec<String>),
}

impl Data {
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Data::I8(_) => Dtype::I8,
            Data::I16(_) => Dtype::I16,
            Data::I32(_) => Dtype::I32,
            Data::I64(_) => Dtype::I64,
            Data::U8(_) => Dtype::U8,
            Data::U16(_) => Dtype::U16,
            Data::U32(_) => Dtype::U32,
            Data::U64(_) => Dtype::U64,
            Data::F32(_) => Dtype::F32,
            Data::F64(_) => Dtype::F64,
            Data::Str(_) => Dtype::Str,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Data::I8(v) => v.len(),
            Data::I16(v) => v.len(),
            Data::I32(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::U8(v) => v.len(),
            Data::U16(v) => v.len(),
            Data::U32(v) => v.len(),
            Data::U64(v) => v.len(),
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Number of elements a shape holds; `None` on overflow. A scalar (`[]`) holds one.
pub(crate) fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// One dataset: its full path, shape (`[]` for a scalar), values and attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// File this dataset came from (or will be written to), for error messages.
    pub(crate) file: Arc<PathBuf>,
    pub(crate) path: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Data,
    pub(crate) attrs: BTreeMap<String, AttrValue>,
}

impl Dataset {
    /// Build a dataset, checking that `data` has exactly as many elements as `shape` holds.
    pub fn new(path: impl Into<String>, shape: &[usize], data: Data) -> Result<Dataset> {
        let path = path.into();
        let expected = element_count(shape);
        if expected != Some(data.len()) {
            return Err(Hdf5Error::ShapeMismatch {
                object: path,
                shape: shape.to_vec(),
                expected: shape.iter().map(|&d| d as u128).product(),
                got: data.len(),
            });
        }
        Ok(Dataset {
            file: crate::group::memory_origin(),
            path,
            shape: shape.to_vec(),
            data,
            attrs: BTreeMap::new(),
        })
    }

    /// Full path inside the file, e.g. `/model_weights/dense/dense/kernel:0`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Last path component, e.g. `kernel:0`.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// Dimensions (`[]` for a scalar).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Element type.
    pub fn dtype(&self) -> Dtype {
        self.data.dtype()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the dataset holds no elements (a zero-length dimension).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The typed values.
    pub fn data(&self) -> &Data {
        &self.data
    }

    /// Borrow the values when they are stored as `f32` (the usual Keras weight), without copying.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            Data::F32(v) => Some(v),
            _ => None,
        }
    }

    /// All values converted to `f32` (like numpy `astype(float32)`); strings are an error.
    pub fn read_f32(&self) -> Result<Vec<f32>> {
        // Why `as`: narrowing float64/int64 weights to float32 is what Keras does on load.
        self.numeric("float32", |d| match d {
            Data::F32(v) => Some(v.clone()),
            Data::F64(v) => Some(v.iter().map(|&x| x as f32).collect()),
            other => ints_as_i128(other).map(|v| v.into_iter().map(|x| x as f32).collect()),
        })
    }

    /// All values converted to `f64`; strings are an error.
    pub fn read_f64(&self) -> Result<Vec<f64>> {
        self.numeric("float64", |d| match d {
            Data::F32(v) => Some(v.iter().map(|&x| f64::from(x)).collect()),
            Data::F64(v) => Some(v.clone()),
            other => ints_as_i128(other).map(|v| v.into_iter().map(|x| x as f64).collect()),
        })
    }

    /// Integer values as `i64`; floats, strings and `uint64` values above `i64::MAX` are errors.
    pub fn read_i64(&self) -> Result<Vec<i64>> {
        self.numeric("int64", |d| {
            ints_as_i128(d)?
                .into_iter()
                .map(|x| i64::try_from(x).ok())
                .collect()
        })
    }

    /// String values (fixed- or variable-length in the file).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        match &self.data {
            Data::Str(v) => Ok(v.clone()),
            other => Err(self.wrong_type("strings", other)),
        }
    }

    /// Attributes attached to this dataset, by name.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        &self.attrs
    }

    /// One attribute; `None` when absent.
    pub fn attr(&self, name: &str) -> Option<&AttrValue> {
        self.attrs.get(name)
    }

    /// Set (or replace) an attribute on this dataset.
    pub fn set_attr(&mut self, name: &str, value: impl Into<AttrValue>) -> Result<&mut Self> {
        crate::group::check_attr_name(&self.path, name)?;
        self.attrs.insert(name.to_owned(), value.into());
        Ok(self)
    }

    fn numeric<T>(&self, wanted: &'static str, f: impl FnOnce(&Data) -> Option<T>) -> Result<T> {
        f(&self.data).ok_or_else(|| self.wrong_type(wanted, &self.data))
    }

    fn wrong_type(&self, wanted: &'static str, got: &Data) -> Hdf5Error {
        Hdf5Error::WrongType {
            file: self.file.to_path_buf(),
            object: self.path.clone(),
            wanted,
            got: format!("{} values of shape {:?}", got.dtype(), self.shape),
        }
    }
}

/// Integer data widened to `i128` (lossless for every HDF5 integer width); `None` for floats/strings.
fn ints_as_i128(d: &Data) -> Option<Vec<i128>> {
    fn w<T: Copy + Into<i128>>(v: &[T]) -> Option<Vec<i128>> {
        Some(v.iter().map(|&x| x.into()).collect())
    }
    match d {
        Data::I8(v) => w(v),
        Data::I16(v) => w(v),
        Data::I32(v) => w(v),
        Data::I64(v) => w(v),
        Data::U8(v) => w(v),
        Data::U16(v) => w(v),
        Data::U32(v) => w(v),
        Data::U64(v) => w(v),
        Data::F32(_) | Data::F64(_) | Data::Str(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_must_match_data() {
        let err = Dataset::new("/k", &[2, 3], Data::F32(vec![0.0; 5])).unwrap_err();
        assert!(err.to_string().contains("[2, 3]"), "{err}");
        assert!(Dataset::new("/s", &[], Data::F64(vec![1.0])).is_ok());
        assert!(Dataset::new("/e", &[0, 3], Data::F32(vec![])).is_ok());
    }

    #[test]
    fn conversions_follow_numpy_astype() {
        let d = Dataset::new("/a/i", &[3], Data::U64(vec![1, 2, u64::MAX])).unwrap();
        assert_eq!(d.name(), "i");
        assert_eq!(d.read_f64().unwrap()[1], 2.0);
        assert!(d.read_i64().is_err(), "u64::MAX does not fit i64");
        let f = Dataset::new("/f", &[2], Data::F64(vec![0.5, -1.25])).unwrap();
        assert_eq!(f.read_f32().unwrap(), vec![0.5f32, -1.25]);
        let err = f.read_i64().unwrap_err().to_string();
        assert!(err.contains("float64") && err.contains("/f"), "{err}");
        assert!(f.as_f32().is_none());
    }
}
