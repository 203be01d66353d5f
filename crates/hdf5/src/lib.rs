//! Pure-Rust HDF5 for Keras files: read what h5py and Keras 2/3 write (`.h5`, and the
//! `model.weights.h5` inside `.keras` zips) and write files h5py and Keras read back.
//!
//! Files are small, so the whole file is decoded into an in-memory tree ([`File`] → [`Group`]
//! → [`Dataset`] / [`AttrValue`]); [`FileBuilder`] encodes such a tree. Decoding is delegated to
//! the pure-Rust `hdf5-pure` crate (no libhdf5, no build script) and bounded by [`Limits`].
//! [`Outline`] reads a file in two steps — groups, attributes and dataset headers first, then the
//! values within a budget the caller derives from them (a model loader: what the model needs).
//!
//! ```
//! use kerust_hdf5::{File, FileBuilder};
//! let mut fb = FileBuilder::new();
//! fb.set_attr("keras_version", "3.0.0")?;
//! let g = fb.create_group("model_weights/dense")?;
//! g.set_attr("weight_names", vec!["dense/kernel:0".to_string()])?;
//! g.write_dataset_f32("dense/kernel:0", &[2, 1], &[0.5, -1.0])?;
//! let file = File::from_bytes(fb.to_bytes()?)?;
//! let k = file.dataset("model_weights/dense/dense/kernel:0")?;
//! assert_eq!((k.shape(), k.read_f32()?), (&[2usize, 1][..], vec![0.5, -1.0]));
//! assert_eq!(file.group("model_weights/dense")?.attr_strings("weight_names")?, ["dense/kernel:0"]);
//! # Ok::<(), kerust_hdf5::Hdf5Error>(())
//! ```

mod atomic;
mod attr;
mod dataset;
mod error;
mod group;
mod outline;
mod reader;
mod vlen_guard;
mod writer;

pub use attr::AttrValue;
pub use dataset::{Data, Dataset, Dtype};
pub use error::{Hdf5Error, Result};
pub use group::Group;
pub use outline::Outline;
pub use reader::{DatasetInfo, File, Limits};
pub use writer::FileBuilder;
