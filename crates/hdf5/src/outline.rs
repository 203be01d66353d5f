//! Reading in two steps: first the structure (groups, attributes, dataset headers), then the
//! values within a budget the caller derives from that structure — so a model loader can read
//! the model config, work out how many bytes of weights the model needs, and refuse a file that
//! declares more before decoding a single value.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::reader::{guarded, parse, read_bounded, DatasetInfo, Walker};
use crate::{File, Group, Limits, Result};

/// An HDF5 file whose groups, attributes and dataset headers have been read, but none of
/// its dataset values. [`Outline::decode`] then decodes the values within a budget.
///
/// ```
/// use kerust_hdf5::{FileBuilder, Hdf5Error, Limits, Outline};
/// let mut fb = FileBuilder::new();
/// fb.set_attr("model_config", "{}")?;
/// fb.root_mut().write_dataset_f32("w", &[256], &[0.5; 256])?;
/// let outline = Outline::from_bytes_named(fb.to_bytes()?, "m.h5", Limits::default())?;
/// assert_eq!(outline.root().attr_str("model_config")?, "{}");
/// assert_eq!(outline.declared_bytes("/"), 1024);
/// // 1024 bytes of values do not fit a budget of 100: refused before anything is decoded.
/// let err = outline.decode(100, "the doc test allows").unwrap_err();
/// assert!(matches!(err, Hdf5Error::OverBudget { .. }), "{err}");
/// # Ok::<(), kerust_hdf5::Hdf5Error>(())
/// ```
pub struct Outline {
    path: PathBuf,
    limits: Limits,
    pure: hdf5_pure::File,
    /// Bytes of values the file may still decode under `limits` (after attribute strings).
    budget: u64,
    root: Group,
    datasets: Vec<DatasetInfo>,
}

impl fmt::Debug for Outline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outline")
            .field("path", &self.path)
            .field("datasets", &self.datasets)
            .finish_non_exhaustive()
    }
}

impl Outline {
    /// Read the file at `path` (bounded by `limits.max_total_bytes`) and its structure.
    pub fn open(path: impl AsRef<Path>, limits: Limits) -> Result<Outline> {
        let path = path.as_ref();
        let bytes = read_bounded(path, limits.max_total_bytes)?;
        Outline::read(bytes, path.to_path_buf(), limits)
    }

    /// Read the structure of an in-memory file; `name` is used in error messages.
    pub fn from_bytes_named(
        bytes: Vec<u8>,
        name: impl Into<PathBuf>,
        limits: Limits,
    ) -> Result<Outline> {
        Outline::read(bytes, name.into(), limits)
    }

    fn read(bytes: Vec<u8>, path: PathBuf, limits: Limits) -> Result<Outline> {
        let (pure, budget) = parse(bytes, &path, &limits)?;
        // The headers are charged against the limits too: a file that declares more than its
        // size allows (`max_expansion`) is refused here, before anyone sizes anything from it.
        let mut walker = Walker::new(Arc::new(path.clone()), limits, budget, false);
        let root = guarded(&path, || walker.group(&pure.root(), "/".to_owned(), 0))?;
        let mut datasets = walker.infos;
        datasets.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Outline {
            path,
            limits,
            pure,
            budget,
            root,
            datasets,
        })
    }

    /// Where the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Groups and their attributes; no datasets (see [`Outline::datasets`]).
    pub fn root(&self) -> &Group {
        &self.root
    }

    /// Every dataset's header, sorted by path.
    pub fn datasets(&self) -> &[DatasetInfo] {
        &self.datasets
    }

    /// Bytes of values the datasets at or below `under` declare (`"/"`: all of them).
    pub fn declared_bytes(&self, under: &str) -> u128 {
        let under = under.trim_end_matches('/');
        self.datasets
            .iter()
            .filter(|d| {
                under.is_empty()
                    || d.path == under
                    || d.path
                        .strip_prefix(under)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|d| d.bytes)
            .sum()
    }

    /// Decode the values, refusing (before allocating) any dataset that would take the total
    /// past `max_bytes` — an [`crate::Hdf5Error::OverBudget`] naming `budget_owner` (e.g. "the
    /// model in model_config needs") — as well as anything over the file's [`Limits`].
    pub fn decode(self, max_bytes: u64, budget_owner: &str) -> Result<File> {
        let declared = self.declared_bytes("/");
        if declared > u128::from(max_bytes) {
            // Refused whole, before the first value: no partial decode to pay for.
            return Err(crate::Hdf5Error::OverBudget {
                file: self.path,
                object: "/ (all datasets together)".into(),
                declared,
                limit: max_bytes.into(),
                budget: budget_owner.to_owned(),
            });
        }
        let budget = self.budget.min(max_bytes);
        let mut walker = Walker::new(Arc::new(self.path.clone()), self.limits, budget, true);
        if max_bytes < self.budget {
            walker.owner = Some(budget_owner.to_owned());
        }
        let pure = &self.pure;
        let root = guarded(&self.path, || walker.group(&pure.root(), "/".to_owned(), 0))?;
        Ok(File::from_parts(self.path, root))
    }
}
