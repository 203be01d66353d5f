//! `LazyCsv`: a CSV file read batch by batch. One pass at open records where every batch of
//! `batch_size` records starts (a byte offset per batch, not per row), and `read_batch(i)` seeks
//! there and parses just those records, so memory does not grow with the file: what a Keras
//! `PyDataset` over a file larger than memory needs.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub use csv::StringRecord;

use crate::error::{DatasetsError, Result};
use crate::source::LineCap;

/// A CSV file indexed by batches of records.
#[derive(Debug, Clone)]
pub struct LazyCsv {
    path: PathBuf,
    has_headers: bool,
    batch_size: usize,
    rows: usize,
    /// Where each batch's first record starts (byte offset in the file, line, record number).
    starts: Vec<csv::Position>,
}

/// A csv reader over `file` through the loaders' line cap (`source::LineCap`): a record past the
/// cap is refused as soon as its bytes pass it, before the reader buffers it whole.
fn reader(file: File, has_headers: bool) -> csv::Reader<BufReader<LineCap<File>>> {
    csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(false)
        .from_reader(BufReader::with_capacity(1 << 16, LineCap::csv_file(file)))
}

/// Seek `rdr` to a record start and tell the cap which line that is.
fn seek_to(
    rdr: &mut csv::Reader<BufReader<LineCap<File>>>,
    start: &csv::Position,
) -> csv::Result<()> {
    rdr.seek(start.clone())?;
    rdr.get_mut().get_mut().set_line(start.line());
    Ok(())
}

fn csv_err(path: &Path, e: csv::Error) -> DatasetsError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => DatasetsError::io("cannot read", path, io),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DatasetsError::malformed(
            path,
            line,
            format!("expected {expected_len} columns, found {len}"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            DatasetsError::malformed(path, line, format!("invalid UTF-8: {err}"))
        }
        other => DatasetsError::malformed(path, line, format!("{other:?}")),
    }
}

impl LazyCsv {
    /// Index `path` (a plain, uncompressed CSV; `has_headers` skips a header row) in batches of
    /// `batch_size` records. Reads the file once, keeping one position per batch.
    pub fn open(path: &Path, has_headers: bool, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(DatasetsError::malformed(
                path,
                0,
                "batch_size must be at least 1",
            ));
        }
        let mut file = File::open(path).map_err(|e| DatasetsError::io("cannot open", path, e))?;
        let mut head = [0u8; 3];
        let got = file
            .read(&mut head)
            .map_err(|e| DatasetsError::io("cannot read", path, e))?;
        if got >= 2 && head[..2] == [0x1f, 0x8b] {
            return Err(DatasetsError::malformed(
                path,
                1,
                "a gzip file cannot be read by batch index (no seeking inside a gzip stream); decompress it first",
            ));
        }
        // A UTF-8 byte-order mark is skipped; offsets stay file offsets.
        let bom = if got == 3 && head == [0xEF, 0xBB, 0xBF] {
            3
        } else {
            0
        };
        file.seek(SeekFrom::Start(bom))
            .map_err(|e| DatasetsError::io("cannot read", path, e))?;
        let mut rdr = reader(file, has_headers);
        if has_headers {
            rdr.byte_headers().map_err(|e| csv_err(path, e))?;
        }
        let mut starts = Vec::new();
        let mut record = csv::ByteRecord::new();
        let mut rows = 0usize;
        loop {
            let mut pos = rdr.position().clone();
            if !rdr
                .read_byte_record(&mut record)
                .map_err(|e| csv_err(path, e))?
            {
                break;
            }
            if rows.is_multiple_of(batch_size) {
                pos.set_byte(pos.byte() + bom);
                starts.push(pos);
            }
            rows += 1;
        }
        Ok(Self {
            path: path.to_path_buf(),
            has_headers,
            batch_size,
            rows,
            starts,
        })
    }

    /// Keep only the first `n` records (fewer batches; the last may be short).
    pub fn take_rows(mut self, n: usize) -> Self {
        self.rows = self.rows.min(n);
        self.starts.truncate(self.rows.div_ceil(self.batch_size));
        self
    }

    /// Number of batches.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether the file has no records.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Number of records (rows) indexed.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Records per batch (the last batch may have fewer).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Whether the file's first row was a header (skipped).
    pub fn has_headers(&self) -> bool {
        self.has_headers
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The records of batch `index` with the line each starts on (for error messages).
    pub fn read_batch(&self, index: usize) -> Result<Vec<(u64, StringRecord)>> {
        let start = self.starts.get(index).ok_or_else(|| {
            DatasetsError::malformed(
                &self.path,
                0,
                format!(
                    "batch {index} out of range: the file has {} batches",
                    self.len()
                ),
            )
        })?;
        let n = self.batch_size.min(self.rows - index * self.batch_size);
        self.read_from(start, n)
    }

    fn read_from(&self, start: &csv::Position, n: usize) -> Result<Vec<(u64, StringRecord)>> {
        let file =
            File::open(&self.path).map_err(|e| DatasetsError::io("cannot open", &self.path, e))?;
        // Headers were skipped at indexing; after a seek every record is data.
        let mut rdr = reader(file, false);
        seek_to(&mut rdr, start).map_err(|e| csv_err(&self.path, e))?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let mut r = StringRecord::new();
            let line = rdr.position().line();
            if !rdr
                .read_record(&mut r)
                .map_err(|e| csv_err(&self.path, e))?
            {
                return Err(DatasetsError::malformed(
                    &self.path,
                    line,
                    "the file ended early: it changed since it was indexed",
                ));
            }
            out.push((line, r));
        }
        Ok(out)
    }

    /// Every indexed record in file order, read as it goes (to fit a tokenizer on the texts
    /// without holding them).
    pub fn records(&self) -> Result<impl Iterator<Item = Result<(u64, StringRecord)>> + '_> {
        let mut rdr = None;
        if let Some(start) = self.starts.first() {
            let file = File::open(&self.path)
                .map_err(|e| DatasetsError::io("cannot open", &self.path, e))?;
            let mut r = reader(file, false);
            seek_to(&mut r, start).map_err(|e| csv_err(&self.path, e))?;
            rdr = Some(r);
        }
        let mut left = self.rows;
        Ok(std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let rdr = rdr.as_mut()?;
            left -= 1;
            let mut r = StringRecord::new();
            let line = rdr.position().line();
            Some(match rdr.read_record(&mut r) {
                Ok(true) => Ok((line, r)),
                Ok(false) => {
                    left = 0;
                    Err(DatasetsError::malformed(
                        &self.path,
                        line,
                        "the file ended early: it changed since it was indexed",
                    ))
                }
                Err(e) => {
                    left = 0;
                    Err(csv_err(&self.path, e))
                }
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record past the line cap is refused while indexing, before it is buffered whole.
    #[test]
    fn a_giant_record_is_refused_at_the_line_cap() {
        let dir = std::env::temp_dir().join(format!("kerust-lazy-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("giant.csv");
        let long = "x".repeat(crate::source::DEFAULT_MAX_LINE_BYTES as usize + 10);
        std::fs::write(&path, format!("label,text\n1,short\n0,\"{long}\"\n")).unwrap();
        let Err(err) = LazyCsv::open(&path, true, 1) else {
            panic!("a giant record must be refused");
        };
        assert!(err.to_string().contains("set_max_line_bytes"), "{err}");
        // Just under the cap, the same shape of file indexes fine.
        let ok = "x".repeat(1000);
        std::fs::write(&path, format!("label,text\n1,short\n0,\"{ok}\"\n")).unwrap();
        assert_eq!(LazyCsv::open(&path, true, 1).unwrap().rows(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn batches_read_by_index_equal_the_file_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let mut body = String::from("\u{feff}label,text\n");
        for i in 0..23 {
            // Quoted fields with commas, quotes and newlines inside.
            body.push_str(&format!("{},\"row {i}, \"\"q\"\"\nnext line\"\n", i % 2));
        }
        std::fs::write(&p, &body).unwrap();
        let csv = LazyCsv::open(&p, true, 5).unwrap();
        assert_eq!((csv.len(), csv.rows()), (5, 23));
        let all: Vec<(u64, StringRecord)> = csv.records().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(all.len(), 23);
        assert_eq!(&all[7].1[1], "row 7, \"q\"\nnext line");
        assert_eq!(all[0].0, 2);
        assert_eq!(all[1].0, 4);
        // Batches in any order give the same records.
        for i in [4, 0, 2, 1, 3] {
            let b = csv.read_batch(i).unwrap();
            assert_eq!(b.len(), if i == 4 { 3 } else { 5 });
            for (k, (line, r)) in b.iter().enumerate() {
                assert_eq!((line, r), (&all[i * 5 + k].0, &all[i * 5 + k].1));
            }
        }
        assert!(csv.read_batch(5).is_err());
        let short = csv.clone().take_rows(11);
        assert_eq!((short.len(), short.rows()), (3, 11));
        assert_eq!(short.read_batch(2).unwrap().len(), 1);
        assert_eq!(short.records().unwrap().count(), 11);
        // Errors name the file and line; gzip is refused.
        std::fs::write(&p, "a,b\n1,2\n3\n").unwrap();
        let e = LazyCsv::open(&p, false, 2).unwrap_err().to_string();
        assert!(
            e.contains("t.csv:3") && e.contains("expected 2 columns"),
            "{e}"
        );
        std::fs::write(&p, [0x1f, 0x8b, 0, 0]).unwrap();
        assert!(LazyCsv::open(&p, false, 2)
            .unwrap_err()
            .to_string()
            .contains("gzip"));
    }
}
