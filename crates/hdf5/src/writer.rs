//! Writing: encode a [`Group`] tree as an HDF5 file h5py and Keras read.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hdf5_pure::{DatasetBuilder, GroupBuilder, LibVer};

use crate::dataset::{Data, Dataset};
use crate::group::Group;
use crate::{File, Hdf5Error, Result};

/// Builds a file in memory, then encodes it with [`FileBuilder::to_bytes`] or writes it
/// atomically with [`FileBuilder::save`]. Derefs to its root [`Group`] for
/// `create_group`, `write_dataset_f32`, `set_attr`...
///
/// The output uses the HDF5 1.8 format (superblock v2, v2 object headers, contiguous
/// datasets), which every h5py/HDF5 since 2008 reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileBuilder {
    root: Group,
}

impl FileBuilder {
    /// An empty file (just the root group).
    pub fn new() -> FileBuilder {
        FileBuilder::default()
    }

    /// Start from a file that was read, to edit it and write it again.
    pub fn from_file(file: File) -> FileBuilder {
        let mut root = file.into_root();
        root.set_origin(&Arc::new(PathBuf::from("<memory>")));
        FileBuilder { root }
    }

    /// The root group.
    pub fn root(&self) -> &Group {
        &self.root
    }

    /// The root group, mutably.
    pub fn root_mut(&mut self) -> &mut Group {
        &mut self.root
    }

    /// Encode the tree as HDF5 bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.encode(Path::new("<memory>"))
    }

    /// Encode and write to `path` atomically (temp file in the same directory, fsync, rename):
    /// an interrupted save leaves the previous file intact.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.encode(path)?;
        crate::atomic::write_atomic(path, &bytes)
    }

    fn encode(&self, file: &Path) -> Result<Vec<u8>> {
        let mut fb = hdf5_pure::FileBuilder::new();
        fb.with_libver_bounds(LibVer::V18, LibVer::V18);
        for (name, v) in &self.root.attrs {
            fb.set_attr(name, v.to_pure());
        }
        for (name, d) in &self.root.datasets {
            fill_dataset(fb.create_dataset(name), d);
        }
        for (name, g) in &self.root.groups {
            let mut gb = fb.create_group(name);
            fill_group(&mut gb, g);
            fb.add_group(gb.finish());
        }
        fb.finish().map_err(|e| Hdf5Error::Encode {
            file: file.to_path_buf(),
            detail: e.to_string(),
        })
    }
}

impl Deref for FileBuilder {
    type Target = Group;
    fn deref(&self) -> &Group {
        &self.root
    }
}

impl DerefMut for FileBuilder {
    fn deref_mut(&mut self) -> &mut Group {
        &mut self.root
    }
}

fn fill_group(gb: &mut GroupBuilder, g: &Group) {
    for (name, v) in &g.attrs {
        gb.set_attr(name, v.to_pure());
    }
    for (name, d) in &g.datasets {
        fill_dataset(gb.create_dataset(name), d);
    }
    for (name, child) in &g.groups {
        let mut cb = gb.create_group(name);
        fill_group(&mut cb, child);
        gb.add_group(cb.finish());
    }
}

fn fill_dataset(b: &mut DatasetBuilder, d: &Dataset) {
    match &d.data {
        Data::I8(v) => b.with_i8_data(v),
        Data::I16(v) => b.with_i16_data(v),
        Data::I32(v) => b.with_i32_data(v),
        Data::I64(v) => b.with_i64_data(v),
        Data::U8(v) => b.with_u8_data(v),
        Data::U16(v) => b.with_u16_data(v),
        Data::U32(v) => b.with_u32_data(v),
        Data::U64(v) => b.with_u64_data(v),
        Data::F32(v) => b.with_f32_data(v),
        Data::F64(v) => b.with_f64_data(v),
        Data::Str(v) => b.with_vlen_strings(&v.iter().map(String::as_str).collect::<Vec<_>>()),
    };
    let shape: Vec<u64> = d.shape.iter().map(|&x| x as u64).collect();
    b.with_shape(&shape);
    for (name, v) in &d.attrs {
        b.set_attr(name, v.to_pure());
    }
}
