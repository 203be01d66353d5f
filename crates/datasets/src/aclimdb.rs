//! The raw Large Movie Review Dataset (`aclImdb_v1.tar.gz`): `aclImdb/{train,test}/{neg,pos}/ID_RATING.txt`
//! plus `train/unsup`, read the way BST 261 reads it (neg first, then pos).

use std::path::{Path, PathBuf};

use crate::error::{DatasetsError, Result};
use crate::text_labels::TextLabels;

/// Reads `root/split/neg` (label 0) then `root/split/pos` (label 1); `root` is the `aclImdb` folder and
/// `split` is `"train"` or `"test"`. Files are taken in numeric order of their id, so the order is stable.
pub fn load_aclimdb(root: &Path, split: &str) -> Result<TextLabels> {
    if split != "train" && split != "test" {
        return Err(DatasetsError::invalid(
            "split",
            format!("{split:?} should be \"train\" or \"test\""),
        ));
    }
    let mut out = TextLabels::default();
    for (label, folder) in [(0, "neg"), (1, "pos")] {
        for path in review_files(&root.join(split).join(folder))? {
            out.texts.push(read_review(&path)?);
            out.labels.push(label);
        }
    }
    Ok(out)
}

/// Reads the 50 000 unlabelled training reviews in `root/train/unsup`.
pub fn load_aclimdb_unsup(root: &Path) -> Result<Vec<String>> {
    review_files(&root.join("train").join("unsup"))?
        .iter()
        .map(|p| read_review(p))
        .collect()
}

/// `*.txt` files of a folder sorted by the numeric id before the underscore (then by name).
fn review_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| DatasetsError::io("cannot list", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DatasetsError::io("cannot list", dir, e))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("txt") {
            files.push(path);
        }
    }
    let key = |p: &PathBuf| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let id = name
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        (id, name)
    };
    files.sort_by_key(key);
    Ok(files)
}

/// One review as UTF-8 text.
fn read_review(path: &Path) -> Result<String> {
    use std::io::Read;
    // One review is a few KB: bound the read like a line (a symlink to /dev/zero must end).
    let limit = crate::source::max_line_bytes();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| DatasetsError::io("cannot read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(DatasetsError::TooLarge {
            path: path.to_path_buf(),
            what: "review",
            declared: bytes.len() as u64,
            limit,
        });
    }
    String::from_utf8(bytes)
        .map_err(|e| DatasetsError::malformed(path, 0, format!("review is not valid UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neg_then_pos_in_numeric_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("aclImdb");
        for (sub, name, text) in [
            ("train/pos", "10_9.txt", "ten"),
            ("train/pos", "2_8.txt", "two"),
            ("train/neg", "5_1.txt", "five"),
            ("train/unsup", "0_0.txt", "u"),
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            std::fs::write(root.join(sub).join(name), text).unwrap();
        }
        std::fs::write(root.join("train/pos/urls.lst"), "ignored").unwrap();
        let t = load_aclimdb(&root, "train").unwrap();
        assert_eq!(t.texts, ["five", "two", "ten"]);
        assert_eq!(t.labels, vec![0, 1, 1]);
        assert_eq!(load_aclimdb_unsup(&root).unwrap(), ["u"]);
        assert!(load_aclimdb(&root, "test").is_err());
        assert!(load_aclimdb(&root, "dev").is_err());
    }
}
