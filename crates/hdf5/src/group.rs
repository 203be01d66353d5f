//! Groups: the in-memory tree both the reader fills and the writer encodes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::dataset::{Data, Dataset};
use crate::{AttrValue, Hdf5Error, Result};

/// Origin used for trees built in memory rather than read from a file.
pub(crate) fn memory_origin() -> Arc<PathBuf> {
    Arc::new(PathBuf::from("<memory>"))
}

/// Reject names h5py/HDF5 cannot store as a link: empty, `.`, or containing `/` or NUL.
pub(crate) fn check_name(parent: &str, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name.contains('/') || name.contains('\0') {
        return Err(Hdf5Error::InvalidName {
            parent: parent.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Attribute names may contain `/`, but not be empty or hold NUL.
pub(crate) fn check_attr_name(parent: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('\0') {
        return Err(Hdf5Error::InvalidName {
            parent: parent.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Path segments, ignoring leading, trailing and doubled slashes like h5py does.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// A group: attributes plus child groups and datasets, each kept sorted by name (h5py's order).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub(crate) file: Arc<PathBuf>,
    pub(crate) path: String,
    pub(crate) attrs: BTreeMap<String, AttrValue>,
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) datasets: BTreeMap<String, Dataset>,
}

impl Default for Group {
    fn default() -> Self {
        Group::new_root()
    }
}

impl Group {
    /// An empty root group (`/`) not tied to any file.
    pub fn new_root() -> Group {
        Group::empty(memory_origin(), "/".to_owned())
    }

    pub(crate) fn empty(file: Arc<PathBuf>, path: String) -> Group {
        Group {
            file,
            path,
            attrs: BTreeMap::new(),
            groups: BTreeMap::new(),
            datasets: BTreeMap::new(),
        }
    }

    /// Full path inside the file (`/` for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Last path component (`""` for the root).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// Child groups, sorted by name.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// Child datasets, sorted by name.
    pub fn datasets(&self) -> impl Iterator<Item = &Dataset> {
        self.datasets.values()
    }

    /// Names of all direct members (groups and datasets), sorted.
    pub fn member_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .groups
            .keys()
            .chain(self.datasets.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names
    }

    /// Every dataset below this group, depth-first in name order.
    pub fn walk_datasets(&self) -> Vec<&Dataset> {
        let mut out: Vec<&Dataset> = Vec::new();
        let mut stack: Vec<&Group> = vec![self];
        while let Some(g) = stack.pop() {
            out.extend(g.datasets.values());
            stack.extend(g.groups.values().rev());
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// True when `path` (relative to this group) names a group or dataset.
    pub fn contains(&self, path: &str) -> bool {
        self.group(path).is_ok() || self.dataset(path).is_ok()
    }

    /// The group at `path`, relative to this one (`"model_weights/dense"`; `""` is this group).
    pub fn group(&self, path: &str) -> Result<&Group> {
        let mut g = self;
        for seg in segments(path) {
            g = g
                .groups
                .get(seg)
                .ok_or_else(|| g.not_found("group", &join(&g.path, seg)))?;
        }
        Ok(g)
    }

    /// Mutable access to the group at `path`.
    pub fn group_mut(&mut self, path: &str) -> Result<&mut Group> {
        let mut g = self;
        for seg in segments(path) {
            if !g.groups.contains_key(seg) {
                return Err(g.not_found("group", &join(&g.path, seg)));
            }
            g = g.groups.get_mut(seg).expect("checked above");
        }
        Ok(g)
    }

    /// The dataset at `path`, relative to this group (`"dense/dense/kernel:0"`).
    pub fn dataset(&self, path: &str) -> Result<&Dataset> {
        let (parent, leaf) = split_leaf(path);
        let g = self.group(parent)?;
        g.datasets
            .get(leaf)
            .ok_or_else(|| g.not_found("dataset", &join(&g.path, leaf)))
    }

    /// Mutable access to the dataset at `path`.
    pub fn dataset_mut(&mut self, path: &str) -> Result<&mut Dataset> {
        let (parent, leaf) = split_leaf(path);
        let g = self.group_mut(parent)?;
        if !g.datasets.contains_key(leaf) {
            return Err(g.not_found("dataset", &join(&g.path, leaf)));
        }
        Ok(g.datasets.get_mut(leaf).expect("checked above"))
    }

    /// All attributes, by name.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        &self.attrs
    }

    /// One attribute; a `NotFound` error listing the attributes that exist when absent.
    pub fn attr(&self, name: &str) -> Result<&AttrValue> {
        self.attrs.get(name).ok_or_else(|| Hdf5Error::NotFound {
            file: self.file.to_path_buf(),
            kind: "attribute",
            object: format!("{}@{name}", self.path),
            available: list_hint("attributes", self.attrs.keys().map(String::as_str)),
        })
    }

    /// A string-list attribute such as Keras `layer_names` / `weight_names` (fixed or
    /// variable-length, array or scalar; Keras's empty `np.array([])` reads as an empty list).
    pub fn attr_strings(&self, name: &str) -> Result<Vec<String>> {
        let v = self.attr(name)?;
        v.to_strings().ok_or_else(|| Hdf5Error::WrongType {
            file: self.file.to_path_buf(),
            object: format!("{}@{name}", self.path),
            wanted: "a list of strings",
            got: v.type_name(),
        })
    }

    /// A single-string attribute such as Keras `model_config` or `keras_version`.
    pub fn attr_str(&self, name: &str) -> Result<&str> {
        let v = self.attr(name)?;
        v.as_str().ok_or_else(|| Hdf5Error::WrongType {
            file: self.file.to_path_buf(),
            object: format!("{}@{name}", self.path),
            wanted: "a string",
            got: v.type_name(),
        })
    }

    /// Set (or replace) an attribute.
    pub fn set_attr(&mut self, name: &str, value: impl Into<AttrValue>) -> Result<&mut Self> {
        check_attr_name(&self.path, name)?;
        self.attrs.insert(name.to_owned(), value.into());
        Ok(self)
    }

    /// Create a new group at `path`, creating missing intermediate groups (like h5py);
    /// an error if the final name is already taken.
    pub fn create_group(&mut self, path: &str) -> Result<&mut Group> {
        let (parent, leaf) = split_leaf(path);
        let p = self.require_group(parent)?;
        check_name(&p.path, leaf)?;
        if p.groups.contains_key(leaf) || p.datasets.contains_key(leaf) {
            return Err(Hdf5Error::AlreadyExists {
                object: join(&p.path, leaf),
            });
        }
        let child = Group::empty(p.file.clone(), join(&p.path, leaf));
        Ok(p.groups.entry(leaf.to_owned()).or_insert(child))
    }

    /// The group at `path`, created (with intermediates) when missing.
    pub fn require_group(&mut self, path: &str) -> Result<&mut Group> {
        let mut g = self;
        for seg in segments(path) {
            check_name(&g.path, seg)?;
            if g.datasets.contains_key(seg) {
                return Err(Hdf5Error::AlreadyExists {
                    object: join(&g.path, seg),
                });
            }
            let child_path = join(&g.path, seg);
            let file = g.file.clone();
            g = g
                .groups
                .entry(seg.to_owned())
                .or_insert_with(|| Group::empty(file, child_path));
        }
        Ok(g)
    }

    /// Write a dataset at `path` (intermediate groups are created, like h5py's `create_dataset`).
    /// `shape` is `[]` for a scalar; `data` is flat in C order and must fill the shape exactly.
    pub fn write_dataset(
        &mut self,
        path: &str,
        shape: &[usize],
        data: Data,
    ) -> Result<&mut Dataset> {
        let (parent, leaf) = split_leaf(path);
        let p = self.require_group(parent)?;
        check_name(&p.path, leaf)?;
        let full = join(&p.path, leaf);
        if p.groups.contains_key(leaf) || p.datasets.contains_key(leaf) {
            return Err(Hdf5Error::AlreadyExists { object: full });
        }
        let mut ds = Dataset::new(full, shape, data)?;
        ds.file = p.file.clone();
        Ok(p.datasets.entry(leaf.to_owned()).or_insert(ds))
    }

    /// Write an `f32` dataset (Keras weights).
    pub fn write_dataset_f32(
        &mut self,
        path: &str,
        shape: &[usize],
        data: &[f32],
    ) -> Result<&mut Dataset> {
        self.write_dataset(path, shape, Data::F32(data.to_vec()))
    }

    /// Write an `f64` dataset.
    pub fn write_dataset_f64(
        &mut self,
        path: &str,
        shape: &[usize],
        data: &[f64],
    ) -> Result<&mut Dataset> {
        self.write_dataset(path, shape, Data::F64(data.to_vec()))
    }

    /// Write an `i32` dataset.
    pub fn write_dataset_i32(
        &mut self,
        path: &str,
        shape: &[usize],
        data: &[i32],
    ) -> Result<&mut Dataset> {
        self.write_dataset(path, shape, Data::I32(data.to_vec()))
    }

    /// Write an `i64` dataset (Keras optimizer `iterations`).
    pub fn write_dataset_i64(
        &mut self,
        path: &str,
        shape: &[usize],
        data: &[i64],
    ) -> Result<&mut Dataset> {
        self.write_dataset(path, shape, Data::I64(data.to_vec()))
    }

    /// Remove a direct member (group or dataset); returns whether something was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        self.groups.remove(name).is_some() || self.datasets.remove(name).is_some()
    }

    fn not_found(&self, kind: &'static str, object: &str) -> Hdf5Error {
        Hdf5Error::NotFound {
            file: self.file.to_path_buf(),
            kind,
            object: object.to_owned(),
            available: list_hint(
                &format!("members of {}", self.path),
                self.member_names().into_iter(),
            ),
        }
    }

    /// Point every node of this subtree at `file` for error messages.
    pub(crate) fn set_origin(&mut self, file: &Arc<PathBuf>) {
        self.file = file.clone();
        for d in self.datasets.values_mut() {
            d.file = file.clone();
        }
        for g in self.groups.values_mut() {
            g.set_origin(file);
        }
    }
}

/// `"a/b/c"` → (`"a/b"`, `"c"`); a bare name has an empty parent.
fn split_leaf(path: &str) -> (&str, &str) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => ("", trimmed),
    }
}

/// ` (members of /x: a, b, c)` — at most 20 names so a huge group does not flood the message.
fn list_hint<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.take(21).collect();
    if names.is_empty() {
        return format!(" ({what}: none)");
    }
    let more = if names.len() > 20 { ", ..." } else { "" };
    format!(
        " ({what}: {}{more})",
        names[..names.len().min(20)].join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_navigate_and_list() {
        let mut root = Group::new_root();
        root.create_group("model_weights/dense")
            .unwrap()
            .set_attr("weight_names", vec!["dense/kernel:0".to_string()])
            .unwrap();
        root.write_dataset_f32("model_weights/dense/dense/kernel:0", &[2, 1], &[1.0, 2.0])
            .unwrap();
        let g = root.group("/model_weights/dense/").unwrap();
        assert_eq!(g.path(), "/model_weights/dense");
        assert_eq!(g.name(), "dense");
        assert_eq!(
            g.attr_strings("weight_names").unwrap(),
            vec!["dense/kernel:0"]
        );
        let d = root.dataset("model_weights/dense/dense/kernel:0").unwrap();
        assert_eq!(
            (d.path(), d.shape()),
            ("/model_weights/dense/dense/kernel:0", &[2usize, 1][..])
        );
        assert_eq!(root.walk_datasets().len(), 1);
        assert!(root.contains("model_weights/dense/dense"));
        assert_eq!(root.member_names(), vec!["model_weights"]);
    }

    #[test]
    fn errors_name_the_object_and_list_members() {
        let mut root = Group::new_root();
        root.create_group("a").unwrap();
        root.create_group("b").unwrap();
        let err = root.group("c/d").unwrap_err().to_string();
        assert!(err.contains("`/c`") && err.contains("a, b"), "{err}");
        assert!(matches!(
            root.create_group("a"),
            Err(Hdf5Error::AlreadyExists { .. })
        ));
        assert!(matches!(root.attr("nope"), Err(Hdf5Error::NotFound { .. })));
        root.write_dataset_i64("a/x", &[], &[5]).unwrap();
        assert!(matches!(
            root.create_group("a/x/y"),
            Err(Hdf5Error::AlreadyExists { .. })
        ));
        assert!(matches!(
            root.write_dataset_f32("a/.", &[1], &[1.0]),
            Err(Hdf5Error::InvalidName { .. })
        ));
        assert!(matches!(
            root.write_dataset_f32("", &[1], &[1.0]),
            Err(Hdf5Error::InvalidName { .. })
        ));
        root.set_attr("n", 3i64).unwrap();
        assert!(matches!(
            root.attr_strings("n"),
            Err(Hdf5Error::WrongType { .. })
        ));
        assert!(root.remove("b") && !root.remove("b"));
    }
}
