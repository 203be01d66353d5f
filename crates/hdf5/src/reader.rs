//! Reading: decode a whole HDF5 file into the in-memory [`Group`] tree, within [`Limits`]
//! (or, through [`crate::Outline`], its structure first and its values within a caller's budget).

use std::ops::Deref;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hdf5_pure::{DType, VlenStringReadOptions};

use crate::dataset::{Data, Dataset};
use crate::group::{check_name, Group};
use crate::{AttrValue, Hdf5Error, Result};

/// Bounds on what a file may make the reader do; every size in the file is untrusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most groups + datasets in one file (a link cycle would otherwise never end).
    pub max_objects: usize,
    /// Deepest group nesting.
    pub max_depth: usize,
    /// Most decoded bytes in one dataset.
    pub max_dataset_bytes: u64,
    /// Most decoded bytes in all datasets together.
    pub max_total_bytes: u64,
    /// Decoded bytes may exceed the file size at most this many times (deflate tops out
    /// near 1032:1), so a small file cannot claim terabytes.
    pub max_expansion: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_objects: 100_000,
            max_depth: 64,
            max_dataset_bytes: 4 << 30,
            max_total_bytes: 16 << 30,
            max_expansion: 1100,
        }
    }
}

/// An HDF5 file decoded into memory. Derefs to its root [`Group`], so
/// `file.group("model_weights/dense")`, `file.attr("model_config")`,
/// `file.dataset("a/b")` all work directly.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    path: PathBuf,
    root: Group,
}

/// Largest read from a non-regular file (pipe, device): it has no length to check first, and
/// `/dev/zero` never ends.
pub const MAX_NON_REGULAR_BYTES: u64 = 256 << 20;

/// Read `path` whole, refusing a regular file longer than `limit` before reading and stopping a
/// pipe or device at [`MAX_NON_REGULAR_BYTES`].
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |action: &'static str| {
        move |source| Hdf5Error::Io {
            file: path.to_path_buf(),
            action,
            source,
        }
    };
    let f = std::fs::File::open(path).map_err(io("open"))?;
    let m = f.metadata().map_err(io("inspect"))?;
    let cap = if m.is_file() {
        limit
    } else {
        limit.min(MAX_NON_REGULAR_BYTES)
    };
    let declared = if m.is_file() { m.len() } else { 0 };
    let too_large = |size: u64| Hdf5Error::TooLarge {
        file: path.to_path_buf(),
        object: "/ (the file itself)".into(),
        declared: size.into(),
        limit: cap.into(),
        knob: "max_total_bytes",
    };
    if declared > cap {
        return Err(too_large(declared));
    }
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(io("read"))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The end-of-file address the superblock at offset 0 declares (versions 0–3), if readable.
fn declared_eof(bytes: &[u8]) -> Option<u64> {
    if !bytes.starts_with(b"\x89HDF\r\n\x1a\n") {
        return None;
    }
    let version = *bytes.get(8)?;
    let (size_of_offsets, at) = match version {
        0 => (*bytes.get(13)? as usize, 24),
        1 => (*bytes.get(13)? as usize, 28),
        2 | 3 => (*bytes.get(9)? as usize, 12),
        _ => return None,
    };
    if !matches!(size_of_offsets, 2 | 4 | 8) {
        return None;
    }
    // base address, then (v0/1: free-space; v2/3: extension) address, then end-of-file address.
    let read = |i: usize| -> Option<u64> {
        let b = bytes.get(i..i + size_of_offsets)?;
        let mut w = [0u8; 8];
        w[..size_of_offsets].copy_from_slice(b);
        Some(u64::from_le_bytes(w))
    };
    let base = read(at)?;
    let eof = read(at + 2 * size_of_offsets)?;
    // An undefined address (all ones) declares nothing.
    if eof == u64::MAX >> (64 - 8 * size_of_offsets as u32) {
        return None;
    }
    // Only files without a user block: there the end-of-file address is the file length.
    (base == 0).then_some(eof)
}

impl File {
    /// Read and decode the file at `path` with default [`Limits`].
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        File::open_with_limits(path, Limits::default())
    }

    /// Read and decode the file at `path`.
    pub fn open_with_limits(path: impl AsRef<Path>, limits: Limits) -> Result<File> {
        let path = path.as_ref();
        let bytes = read_bounded(path, limits.max_total_bytes)?;
        File::decode(bytes, path.to_path_buf(), limits)
    }

    /// Decode an in-memory file (e.g. `model.weights.h5` taken out of a `.keras` zip).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<File> {
        File::decode(bytes, PathBuf::from("<memory>"), Limits::default())
    }

    /// Decode an in-memory file; `name` is used in error messages (e.g. `"m.keras!model.weights.h5"`).
    pub fn from_bytes_named(
        bytes: Vec<u8>,
        name: impl Into<PathBuf>,
        limits: Limits,
    ) -> Result<File> {
        File::decode(bytes, name.into(), limits)
    }

    pub(crate) fn from_parts(path: PathBuf, root: Group) -> File {
        File { path, root }
    }

    /// Where the file was read from (`<memory>` for byte buffers).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root group `/`.
    pub fn root(&self) -> &Group {
        &self.root
    }

    /// Give up the file, keeping its tree (e.g. to edit it and write it again).
    pub fn into_root(self) -> Group {
        self.root
    }

    fn decode(bytes: Vec<u8>, path: PathBuf, limits: Limits) -> Result<File> {
        let (pure, budget) = parse(bytes, &path, &limits)?;
        let mut walker = Walker::new(Arc::new(path.clone()), limits, budget, true);
        let root = guarded(&path, || walker.group(&pure.root(), "/".to_owned(), 0))?;
        Ok(File { path, root })
    }
}

/// Run decoder code on untrusted bytes. Why catch_unwind: the decoder is third-party code; a bug
/// there must surface as a typed error, never abort the caller. The fuzz test asserts it never fires.
pub(crate) fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Hdf5Error::Malformed {
                file: path.to_path_buf(),
                object: "/".into(),
                detail: format!("HDF5 decoder panicked: {msg}"),
            })
        }
    }
}

/// The checks every decode starts with (not a zip, not cut short, attribute strings within the
/// budget), then the parsed but not yet walked file and the bytes of values it may still decode.
pub(crate) fn parse(
    bytes: Vec<u8>,
    path: &Path,
    limits: &Limits,
) -> Result<(hdf5_pure::File, u64)> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Hdf5Error::Malformed {
            file: path.to_path_buf(),
            object: "/".into(),
            detail: "this is a zip archive (a .keras file?), not HDF5; read its model.weights.h5 member and pass the bytes to File::from_bytes".into(),
        });
    }
    if let Some(eof) = declared_eof(&bytes) {
        if eof > bytes.len() as u64 {
            return Err(Hdf5Error::Malformed {
                file: path.to_path_buf(),
                object: "/ (superblock)".into(),
                detail: format!(
                    "the superblock says the file is {eof} bytes but only {} are present: it was cut short (an interrupted download or copy?)",
                    bytes.len()
                ),
            });
        }
    }
    let file_len = bytes.len() as u64;
    let budget = limits.max_total_bytes.min(
        file_len
            .saturating_mul(limits.max_expansion)
            .saturating_add(1 << 20),
    );
    // Attribute strings are decoded without limits downstream: bound them here first.
    let vlen = crate::vlen_guard::vlen_payload_bound(&bytes);
    if vlen > u128::from(budget) {
        return Err(Hdf5Error::TooLarge {
            file: path.to_path_buf(),
            object: "/ (variable-length strings in the global heap)".into(),
            declared: vlen,
            limit: budget.into(),
            knob: budget_knob(budget, limits),
        });
    }
    let pure = guarded(path, || {
        hdf5_pure::File::from_bytes(bytes).map_err(|e| Hdf5Error::Malformed {
            file: path.to_path_buf(),
            object: "/".into(),
            detail: e.to_string(),
        })
    })?;
    Ok((pure, budget - vlen as u64))
}

/// Which [`Limits`] field set a file's budget: the expansion bound when it is the tighter one.
fn budget_knob(budget: u64, limits: &Limits) -> &'static str {
    if budget < limits.max_total_bytes {
        "max_expansion"
    } else {
        "max_total_bytes"
    }
}

impl Deref for File {
    type Target = Group;
    fn deref(&self) -> &Group {
        &self.root
    }
}

fn malformed(origin: &Arc<PathBuf>, object: &str, e: hdf5_pure::Error) -> Hdf5Error {
    Hdf5Error::Malformed {
        file: origin.to_path_buf(),
        object: object.to_owned(),
        detail: e.to_string(),
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Depth-first decoder that counts objects and decoded bytes against the limits.
pub(crate) struct Walker {
    origin: Arc<PathBuf>,
    limits: Limits,
    objects: usize,
    /// Decoded bytes still allowed for this file.
    budget: u64,
    /// Decode dataset values (a [`File`]), or only read their headers (an [`crate::Outline`]).
    values: bool,
    /// The dataset headers read so far (outline walks only).
    pub(crate) infos: Vec<DatasetInfo>,
    /// Who set `budget` when a caller did ([`crate::Outline::decode`]): exceeding it is then
    /// [`Hdf5Error::OverBudget`] naming them, not a [`Limits`] knob.
    pub(crate) owner: Option<String>,
}

/// One dataset as its header declares it, before any value is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    /// Full path, e.g. `/model_weights/dense/dense/kernel:0`.
    pub path: String,
    /// Shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: crate::Dtype,
    /// Bytes the values take once decoded: elements × element size (for variable-length
    /// strings, their references; the string payload is charged when decoded).
    pub bytes: u128,
}

/// What a dataset header declares, checked against the limits.
struct Header {
    shape: Vec<usize>,
    dtype: DType,
    n: usize,
    declared: u128,
}

impl Walker {
    pub(crate) fn new(origin: Arc<PathBuf>, limits: Limits, budget: u64, values: bool) -> Walker {
        Walker {
            origin,
            limits,
            objects: 0,
            budget,
            values,
            infos: Vec::new(),
            owner: None,
        }
    }

    fn count_object(&mut self, path: &str) -> Result<()> {
        self.objects += 1;
        if self.objects > self.limits.max_objects {
            return Err(Hdf5Error::TooMany {
                file: self.origin.to_path_buf(),
                object: path.to_owned(),
                what: "groups and datasets",
                limit: self.limits.max_objects,
                knob: "max_objects",
            });
        }
        Ok(())
    }

    fn bad(&self, object: &str) -> impl Fn(hdf5_pure::Error) -> Hdf5Error + '_ {
        let object = object.to_owned();
        move |e| malformed(&self.origin, &object, e)
    }

    pub(crate) fn group(
        &mut self,
        pg: &hdf5_pure::Group,
        path: String,
        depth: usize,
    ) -> Result<Group> {
        if depth > self.limits.max_depth {
            return Err(Hdf5Error::TooMany {
                file: self.origin.to_path_buf(),
                object: path,
                what: "levels of nested groups",
                limit: self.limits.max_depth,
                knob: "max_depth",
            });
        }
        self.count_object(&path)?;
        let mut g = Group::empty(self.origin.clone(), path.clone());
        let names = pg.attr_datatypes().map_err(self.bad(&path))?;
        g.attrs = self.attrs(pg.attrs().map_err(self.bad(&path))?, names, &path)?;
        for (name, child) in pg.iter_groups().map_err(self.bad(&path))? {
            let child_path = self.member_path(&path, &name, &g)?;
            let sub = self.group(&child, child_path, depth + 1)?;
            g.groups.insert(name, sub);
        }
        for (name, ds) in pg.iter_datasets().map_err(self.bad(&path))? {
            let child_path = self.member_path(&path, &name, &g)?;
            self.count_object(&child_path)?;
            if !self.values {
                // An outline keeps the header only, and reserves a name the group cannot reuse.
                let h = self.header(&ds, &child_path)?;
                let dtype = self.dtype(&h.dtype, &child_path)?;
                self.infos.push(DatasetInfo {
                    path: child_path,
                    shape: h.shape,
                    dtype,
                    bytes: h.declared,
                });
                continue;
            }
            let d = self.dataset(&ds, child_path)?;
            g.datasets.insert(name, d);
        }
        Ok(g)
    }

    /// Validate a link name read from the file: an empty or `/`-holding name would alias
    /// another object (an empty name resolves to the group itself: an endless walk).
    fn member_path(&self, parent: &str, name: &str, g: &Group) -> Result<String> {
        let full = join(parent, name);
        if check_name(parent, name).is_err()
            || g.groups.contains_key(name)
            || g.datasets.contains_key(name)
        {
            return Err(Hdf5Error::Malformed {
                file: self.origin.to_path_buf(),
                object: parent.to_owned(),
                detail: format!("invalid or duplicate link name {name:?}"),
            });
        }
        Ok(full)
    }

    /// Convert decoded attributes. `declared` lists every attribute message in the header:
    /// the decoder silently drops values it cannot decode, and a weight loader must not
    /// lose an attribute without saying so.
    fn attrs(
        &self,
        raw: std::collections::HashMap<String, hdf5_pure::AttrValue>,
        declared: std::collections::HashMap<String, hdf5_pure::Datatype>,
        path: &str,
    ) -> Result<std::collections::BTreeMap<String, AttrValue>> {
        let mut missing: Vec<(&String, &hdf5_pure::Datatype)> = declared
            .iter()
            .filter(|(n, _)| !raw.contains_key(*n))
            .collect();
        missing.sort_by(|a, b| a.0.cmp(b.0));
        if let Some((name, dt)) = missing.first() {
            // The Debug form spells out every member; its first word ("Compound", "Enumeration") says enough.
            let full = format!("{dt:?}");
            let kind = full.split([' ', '{', '(']).next().unwrap_or("unknown");
            return Err(Hdf5Error::Unsupported {
                file: self.origin.to_path_buf(),
                object: format!("{path}@{name}"),
                what: format!("an attribute of HDF5 class {kind} (or a corrupted attribute value)"),
            });
        }
        raw.into_iter()
            .map(|(name, v)| {
                let kind = v.type_name();
                match AttrValue::from_pure(v) {
                    Some(a) => Ok((name, a)),
                    None => Err(Hdf5Error::Unsupported {
                        file: self.origin.to_path_buf(),
                        object: format!("{path}@{name}"),
                        what: format!("an attribute of type {kind}"),
                    }),
                }
            })
            .collect()
    }

    fn too_large(&self, path: &str, declared: u128, limit: u64, knob: &'static str) -> Hdf5Error {
        Hdf5Error::TooLarge {
            file: self.origin.to_path_buf(),
            object: path.to_owned(),
            declared,
            limit: limit.into(),
            knob,
        }
    }

    /// Refuse `bytes` over the per-dataset bound or what is left of the file's budget.
    fn fits(&self, path: &str, bytes: u128) -> Result<()> {
        if bytes > u128::from(self.limits.max_dataset_bytes) {
            return Err(self.too_large(
                path,
                bytes,
                self.limits.max_dataset_bytes,
                "max_dataset_bytes",
            ));
        }
        if bytes > u128::from(self.budget) {
            if let Some(owner) = &self.owner {
                return Err(Hdf5Error::OverBudget {
                    file: self.origin.to_path_buf(),
                    object: path.to_owned(),
                    declared: bytes,
                    limit: self.budget.into(),
                    budget: owner.clone(),
                });
            }
            let knob = budget_knob(self.budget, &self.limits);
            return Err(self.too_large(path, bytes, self.budget, knob));
        }
        Ok(())
    }

    /// Charge `bytes` against the per-dataset and per-file budgets before anything is allocated.
    fn charge(&mut self, path: &str, bytes: u128) -> Result<()> {
        self.fits(path, bytes)?;
        self.budget -= bytes as u64;
        Ok(())
    }

    /// Chunk coordinates come from the file: each must lie inside the dataset on a chunk
    /// boundary, or the decoder's offset arithmetic overflows (found by the mutation test).
    fn check_chunks(
        &self,
        ds: &hdf5_pure::Dataset,
        path: &str,
        dims: &[u64],
        elem: u64,
        declared: u128,
    ) -> Result<()> {
        if !ds.is_chunked() {
            return Ok(());
        }
        let chunk_dims = ds
            .chunk_shape()
            .map_err(|e| malformed(&self.origin, path, e))?
            .unwrap_or_default();
        // Indexes without an enumerator (v2 B-tree) are left to the decoder's own checks.
        let Ok(chunks) = ds.chunks() else {
            return Ok(());
        };
        let bad = |detail: String| Hdf5Error::Malformed {
            file: self.origin.to_path_buf(),
            object: path.to_owned(),
            detail,
        };
        if chunk_dims.len() < dims.len() || chunk_dims.iter().take(dims.len()).any(|&c| c == 0) {
            return Err(bad(format!(
                "chunk shape {chunk_dims:?} does not fit dataset shape {dims:?}"
            )));
        }
        // One chunk is decoded whole before its overlap is copied out: a chunk larger than its
        // dataset (a deflate bomb behind a tiny shape) must fit what is left of the budget too.
        let chunk_bytes = chunk_dims
            .iter()
            .take(dims.len())
            .fold(u128::from(elem), |acc, &c| {
                acc.saturating_mul(u128::from(c))
            });
        if chunk_bytes > declared {
            self.fits(&format!("{path} (one chunk)"), chunk_bytes)?;
        }
        for c in &chunks {
            let fits = c.offset.len() == dims.len()
                && c.offset
                    .iter()
                    .zip(dims)
                    .zip(&chunk_dims)
                    .all(|((&o, &d), &cd)| o < d && o % cd == 0);
            if !fits {
                return Err(bad(format!("chunk at offset {:?} lies outside shape {dims:?} or off the chunk grid {chunk_dims:?}", c.offset)));
            }
        }
        Ok(())
    }

    /// The element type as this crate names it; a type it cannot decode is refused already in
    /// an outline, so a caller never budgets for a dataset that would fail later.
    fn dtype(&self, d: &DType, path: &str) -> Result<crate::Dtype> {
        use crate::Dtype as D;
        Ok(match d {
            DType::F32 => D::F32,
            DType::F64 => D::F64,
            DType::I8 => D::I8,
            DType::I16 => D::I16,
            DType::I32 => D::I32,
            DType::I64 => D::I64,
            DType::U8 => D::U8,
            DType::U16 => D::U16,
            DType::U32 => D::U32,
            DType::U64 => D::U64,
            DType::String | DType::VariableLengthString => D::Str,
            other => {
                return Err(Hdf5Error::Unsupported {
                    file: self.origin.to_path_buf(),
                    object: path.to_owned(),
                    what: format!("datatype {other}"),
                })
            }
        })
    }

    /// Read and check a dataset's header (shape, type, chunk grid), charging its declared bytes.
    fn header(&mut self, ds: &hdf5_pure::Dataset, path: &str) -> Result<Header> {
        let bad = |e| malformed(&self.origin, path, e);
        let shape64 = ds.shape().map_err(bad)?;
        let dtype = ds.dtype().map_err(bad)?;
        let elem = ds.element_size().map_err(bad)?;
        let count: u128 = shape64.iter().map(|&d| u128::from(d)).product();
        let declared = count.saturating_mul(u128::from(elem));
        self.charge(path, declared)?;
        // Fits: `count` ≤ declared bytes ≤ max_dataset_bytes (elements are ≥ 1 byte), unless elem is 0.
        let shape: Vec<usize> = shape64
            .iter()
            .map(|&d| usize::try_from(d))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| {
                self.too_large(
                    path,
                    declared,
                    self.limits.max_dataset_bytes,
                    "max_dataset_bytes",
                )
            })?;
        let n = crate::dataset::element_count(&shape).ok_or_else(|| {
            self.too_large(
                path,
                declared,
                self.limits.max_dataset_bytes,
                "max_dataset_bytes",
            )
        })?;
        if elem == 0 && n > 0 {
            return Err(Hdf5Error::Malformed {
                file: self.origin.to_path_buf(),
                object: path.to_owned(),
                detail: "datatype of size 0".into(),
            });
        }
        self.check_chunks(ds, path, &shape64, elem, declared)?;
        Ok(Header {
            shape,
            dtype,
            n,
            declared,
        })
    }

    fn dataset(&mut self, ds: &hdf5_pure::Dataset, path: String) -> Result<Dataset> {
        let Header {
            shape, dtype, n, ..
        } = self.header(ds, &path)?;
        let bad = |e| malformed(&self.origin, &path, e);
        let data = match dtype {
            DType::F32 => Data::F32(ds.read_f32().map_err(bad)?),
            DType::F64 => Data::F64(ds.read_f64().map_err(bad)?),
            DType::I8 => Data::I8(ds.read_i8().map_err(bad)?),
            DType::I16 => Data::I16(ds.read_i16().map_err(bad)?),
            DType::I32 => Data::I32(ds.read_i32().map_err(bad)?),
            DType::I64 => Data::I64(ds.read_i64().map_err(bad)?),
            DType::U8 => Data::U8(ds.read_u8().map_err(bad)?),
            DType::U16 => Data::U16(ds.read_u16().map_err(bad)?),
            DType::U32 => Data::U32(ds.read_u32().map_err(bad)?),
            DType::U64 => Data::U64(ds.read_u64().map_err(bad)?),
            DType::String => Data::Str(ds.read_string().map_err(bad)?),
            DType::VariableLengthString => {
                // The payload lives in global heaps; bound it by what is left of the budget.
                let left = usize::try_from(self.budget.min(self.limits.max_dataset_bytes))
                    .unwrap_or(usize::MAX);
                let opts = VlenStringReadOptions::new()
                    .with_max_elements(n)
                    .with_max_payload_bytes(left);
                let v = ds.read_vlen_strings(opts).map_err(bad)?;
                let payload: u128 = v.iter().map(|s| s.len() as u128).sum();
                self.charge(&path, payload)?;
                Data::Str(v)
            }
            other => {
                return Err(Hdf5Error::Unsupported {
                    file: self.origin.to_path_buf(),
                    object: path,
                    what: format!("datatype {other}"),
                })
            }
        };
        if data.len() != n {
            return Err(Hdf5Error::Malformed {
                file: self.origin.to_path_buf(),
                object: path,
                detail: format!(
                    "shape {shape:?} holds {n} elements but {} were decoded",
                    data.len()
                ),
            });
        }
        let declared = ds
            .attr_datatypes()
            .map_err(|e| malformed(&self.origin, &path, e))?;
        let decoded = ds.attrs().map_err(|e| malformed(&self.origin, &path, e))?;
        let attrs = self.attrs(decoded, declared, &path)?;
        Ok(Dataset {
            file: self.origin.clone(),
            path,
            shape,
            data,
            attrs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_typed_error_naming_the_source() {
        let err = File::from_bytes_named(
            b"not an hdf5 file at all".to_vec(),
            "x.h5",
            Limits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, Hdf5Error::Malformed { .. }), "{err:?}");
        assert!(err.to_string().contains("x.h5"), "{err}");
        assert!(File::from_bytes(Vec::new()).is_err());
        let zip = File::from_bytes(b"PK\x03\x04rest of a zip".to_vec()).unwrap_err();
        assert!(zip.to_string().contains("model.weights.h5"), "{zip}");
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = File::open("/nonexistent/dir/m.h5").unwrap_err();
        assert!(
            matches!(err, Hdf5Error::Io { .. }) && err.to_string().contains("m.h5"),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_file_says_it_was_cut_short() {
        let mut b = crate::FileBuilder::new();
        b.root_mut()
            .write_dataset_f32("w", &[64, 64], &[0.5; 4096])
            .unwrap();
        let bytes = b.to_bytes().unwrap();
        assert!(File::from_bytes(bytes.clone()).is_ok());
        let cut = bytes[..bytes.len() / 10].to_vec();
        let err = File::from_bytes_named(cut, "cut.h5", Limits::default()).unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_read_with_a_bound() {
        let tight = Limits {
            max_total_bytes: 1 << 16,
            ..Limits::default()
        };
        let err = File::open_with_limits("/dev/zero", tight).unwrap_err();
        assert!(matches!(err, Hdf5Error::TooLarge { .. }), "{err}");
        let err = File::open("/dev/null").unwrap_err();
        assert!(matches!(err, Hdf5Error::Malformed { .. }), "{err}");
    }
}
