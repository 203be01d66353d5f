//! Attribute values: the few shapes Keras and h5py store on groups and datasets.

/// One attribute value.
///
/// Reading folds HDF5's many encodings into these variants: fixed-length and variable-length,
/// ASCII and UTF-8 strings all become [`AttrValue::Str`] / [`AttrValue::StrArray`]; every signed
/// integer width becomes `Int`/`Ints`, unsigned ones too when they fit in `i64` (else
/// `UInt`/`UInts`); `f32` and `f64` become `Float`/`Floats`.
///
/// Writing uses what h5py writes for the matching Python value: `Str` → variable-length UTF-8
/// scalar (a Python `str`), `StrArray` → 1-D variable-length UTF-8 array (what Keras 3 stores
/// for `layer_names` / `weight_names`), `Int` → `i64`, `Float` → `f64`, arrays → 1-D arrays.
/// An empty `Floats` is what Keras writes for a layer without weights (`np.array([])`).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Str(String),
    StrArray(Vec<String>),
    Int(i64),
    Ints(Vec<i64>),
    UInt(u64),
    UInts(Vec<u64>),
    Float(f64),
    Floats(Vec<f64>),
}

impl AttrValue {
    /// The string of a `Str`, or of a one-element `StrArray`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            AttrValue::StrArray(v) if v.len() == 1 => Some(&v[0]),
            _ => None,
        }
    }

    /// The strings of a `StrArray` or a single `Str`; an empty numeric array reads as no strings
    /// because Keras stores an empty `weight_names` as `np.array([])` (float64).
    pub fn to_strings(&self) -> Option<Vec<String>> {
        match self {
            AttrValue::Str(s) => Some(vec![s.clone()]),
            AttrValue::StrArray(v) => Some(v.clone()),
            AttrValue::Floats(v) if v.is_empty() => Some(Vec::new()),
            AttrValue::Ints(v) if v.is_empty() => Some(Vec::new()),
            AttrValue::UInts(v) if v.is_empty() => Some(Vec::new()),
            _ => None,
        }
    }

    /// An integer scalar (or a one-element integer array).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(v) => Some(*v),
            AttrValue::UInt(v) => i64::try_from(*v).ok(),
            AttrValue::Ints(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// A numeric scalar as `f64` (integers convert; one-element arrays count as scalars).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Float(v) => Some(*v),
            AttrValue::Int(v) => Some(*v as f64),
            AttrValue::UInt(v) => Some(*v as f64),
            AttrValue::Floats(v) if v.len() == 1 => Some(v[0]),
            AttrValue::Ints(v) if v.len() == 1 => Some(v[0] as f64),
            _ => None,
        }
    }

    /// A short type description for error messages (`"string"`, `"int array[3]"`...).
    pub fn type_name(&self) -> String {
        match self {
            AttrValue::Str(_) => "string".into(),
            AttrValue::StrArray(v) => format!("string array[{}]", v.len()),
            AttrValue::Int(_) => "int".into(),
            AttrValue::Ints(v) => format!("int array[{}]", v.len()),
            AttrValue::UInt(_) => "unsigned int".into(),
            AttrValue::UInts(v) => format!("unsigned int array[{}]", v.len()),
            AttrValue::Float(_) => "float".into(),
            AttrValue::Floats(v) => format!("float array[{}]", v.len()),
        }
    }

    /// Convert a value decoded by `hdf5-pure`; `None` for kinds this crate does not model.
    pub(crate) fn from_pure(v: hdf5_pure::AttrValue) -> Option<AttrValue> {
        use hdf5_pure::AttrValue as P;
        fn ints<T: Into<i64> + Copy>(v: &[T]) -> AttrValue {
            AttrValue::Ints(v.iter().map(|&x| x.into()).collect())
        }
        Some(match v {
            P::F32(x) => AttrValue::Float(f64::from(x)),
            P::F64(x) => AttrValue::Float(x),
            P::F32Array(v) => AttrValue::Floats(v.into_iter().map(f64::from).collect()),
            P::F64Array(v) => AttrValue::Floats(v),
            P::I8(x) => AttrValue::Int(x.into()),
            P::I16(x) => AttrValue::Int(x.into()),
            P::I32(x) => AttrValue::Int(x.into()),
            P::I64(x) => AttrValue::Int(x),
            P::U8(x) => AttrValue::Int(x.into()),
            P::U16(x) => AttrValue::Int(x.into()),
            P::U32(x) => AttrValue::Int(x.into()),
            P::U64(x) => match i64::try_from(x) {
                Ok(i) => AttrValue::Int(i),
                Err(_) => AttrValue::UInt(x),
            },
            P::I8Array(v) => ints(&v),
            P::I16Array(v) => ints(&v),
            P::I32Array(v) => ints(&v),
            P::I64Array(v) => AttrValue::Ints(v),
            P::U8Array(v) => ints(&v),
            P::U16Array(v) => ints(&v),
            P::U32Array(v) => ints(&v),
            P::U64Array(v) => match v.iter().map(|&x| i64::try_from(x)).collect() {
                Ok(i) => AttrValue::Ints(i),
                Err(_) => AttrValue::UInts(v),
            },
            P::String(s)
            | P::AsciiString(s)
            | P::VarLenString(s)
            | P::VarLenAsciiString(s)
            | P::StringSized { value: s, .. }
            | P::AsciiStringSized { value: s, .. } => AttrValue::Str(s),
            P::StringArray(v)
            | P::AsciiStringArray(v)
            | P::VarLenStringArray(v)
            | P::VarLenAsciiStringArray(v)
            | P::VarLenAsciiCharArray(v)
            | P::StringArraySized { values: v, .. }
            | P::AsciiStringArraySized { values: v, .. } => AttrValue::StrArray(v),
            _ => return None,
        })
    }

    /// The `hdf5-pure` encoding matching what h5py writes for the equivalent Python value.
    pub(crate) fn to_pure(&self) -> hdf5_pure::AttrValue {
        use hdf5_pure::AttrValue as P;
        match self {
            AttrValue::Str(s) => P::VarLenString(s.clone()),
            AttrValue::StrArray(v) => P::VarLenStringArray(v.clone()),
            AttrValue::Int(x) => P::I64(*x),
            AttrValue::Ints(v) => P::I64Array(v.clone()),
            AttrValue::UInt(x) => P::U64(*x),
            AttrValue::UInts(v) => P::U64Array(v.clone()),
            AttrValue::Float(x) => P::F64(*x),
            AttrValue::Floats(v) => P::F64Array(v.clone()),
        }
    }
}

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}
impl From<Vec<String>> for AttrValue {
    fn from(v: Vec<String>) -> Self {
        AttrValue::StrArray(v)
    }
}
impl From<&[&str]> for AttrValue {
    fn from(v: &[&str]) -> Self {
        AttrValue::StrArray(v.iter().map(|s| (*s).to_owned()).collect())
    }
}
impl From<i64> for AttrValue {
    fn from(x: i64) -> Self {
        AttrValue::Int(x)
    }
}
impl From<i32> for AttrValue {
    fn from(x: i32) -> Self {
        AttrValue::Int(x.into())
    }
}
impl From<Vec<i64>> for AttrValue {
    fn from(v: Vec<i64>) -> Self {
        AttrValue::Ints(v)
    }
}
impl From<f64> for AttrValue {
    fn from(x: f64) -> Self {
        AttrValue::Float(x)
    }
}
impl From<Vec<f64>> for AttrValue {
    fn from(v: Vec<f64>) -> Self {
        AttrValue::Floats(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_survives_the_pure_encoding() {
        let values = [
            AttrValue::Str("héllo".into()),
            AttrValue::StrArray(vec!["a".into(), "".into(), "ccc".into()]),
            AttrValue::Int(-7),
            AttrValue::Ints(vec![1, -2]),
            AttrValue::UInt(u64::MAX),
            AttrValue::UInts(vec![u64::MAX, 1]),
            AttrValue::Float(0.25),
            AttrValue::Floats(vec![]),
        ];
        for v in values {
            assert_eq!(AttrValue::from_pure(v.to_pure()), Some(v));
        }
    }

    #[test]
    fn keras_empty_weight_names_read_as_no_strings() {
        assert_eq!(AttrValue::Floats(vec![]).to_strings(), Some(vec![]));
        assert_eq!(AttrValue::Floats(vec![1.0]).to_strings(), None);
        assert_eq!(AttrValue::Str("x".into()).as_str(), Some("x"));
        assert_eq!(AttrValue::Int(3).as_f64(), Some(3.0));
        assert_eq!(AttrValue::UInt(u64::MAX).as_i64(), None);
    }
}
