//! Opening data files: transparent gzip, UTF-8 BOM stripping, a cap on line length (checked while
//! reading, before a line is buffered whole), and a CSV reader whose errors carry file and line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{DatasetsError, Result};

/// Default longest line (CSV: longest record) accepted: 16 MiB. The longest line of the lecture
/// datasets is under 64 KiB; a 1 GB line is an attack or a wrong file.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 16 << 20;

/// Most bytes read from a data file that is not a regular file (a pipe, a character device): it
/// has no length to check first, and `/dev/urandom` never ends. 1 GiB, above the largest lecture
/// dataset (Yelp, ~500 MB decompressed).
pub const MAX_STREAM_BYTES: u64 = 1 << 30;

static MAX_LINE_BYTES: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_MAX_LINE_BYTES);

/// Raise (or lower) the longest line every text and CSV loader accepts, for trusted files with
/// longer lines. Applies to files opened afterwards.
pub fn set_max_line_bytes(bytes: u64) {
    MAX_LINE_BYTES.store(bytes.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// The longest line the loaders accept now (see [`set_max_line_bytes`]).
pub fn max_line_bytes() -> u64 {
    MAX_LINE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Opens `path` for reading; a gzip stream (by magic bytes, not by name) is decompressed on the fly,
/// a leading UTF-8 byte-order mark is skipped, and a line longer than [`max_line_bytes`] is an
/// error raised as soon as its bytes pass the limit.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead>> {
    open_capped(path, false)
}

/// [`open_text`]; `csv_quotes` makes newlines inside `"quoted"` fields part of the line, so the
/// cap bounds a whole CSV record.
fn open_capped(path: &Path, csv_quotes: bool) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(|e| DatasetsError::io("cannot open", path, e))?;
    let regular = file
        .metadata()
        .map_err(|e| DatasetsError::io("cannot inspect", path, e))?
        .is_file();
    let mut raw = BufReader::new(file);
    let head = raw
        .fill_buf()
        .map_err(|e| DatasetsError::io("cannot read", path, e))?;
    let inner: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(GzipErrorContext {
            inner: flate2::bufread::MultiGzDecoder::new(raw),
        })
    } else {
        Box::new(raw)
    };
    let capped = LineCap {
        inner,
        limit: max_line_bytes(),
        run: 0,
        line: 1,
        csv_quotes,
        in_quotes: false,
        stream_left: (!regular).then_some(MAX_STREAM_BYTES),
    };
    let mut reader = BufReader::new(capped);
    skip_bom(&mut reader).map_err(|e| read_error(path, e))?;
    Ok(Box::new(reader))
}

/// Consumes a UTF-8 BOM (EF BB BF) if the stream starts with one.
fn skip_bom(reader: &mut dyn BufRead) -> std::io::Result<()> {
    let head = reader.fill_buf()?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    Ok(())
}

/// Marks errors raised by the gzip decoder so they can be reported as archive corruption, not as I/O.
struct GzipErrorContext<R> {
    inner: R,
}

impl<R: Read> Read for GzipErrorContext<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let kind = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => std::io::ErrorKind::UnexpectedEof,
                _ => std::io::ErrorKind::InvalidData,
            };
            std::io::Error::new(kind, GzipError(e.to_string()))
        })
    }
}

/// Payload of a decoder failure inside [`GzipErrorContext`].
#[derive(Debug)]
struct GzipError(String);

impl std::fmt::Display for GzipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl std::error::Error for GzipError {}

/// Counts bytes since the last line break and fails the read once a line passes `limit`, so no
/// reader above it buffers more than `limit` bytes of one line.
pub(crate) struct LineCap<R> {
    inner: R,
    limit: u64,
    run: u64,
    line: u64,
    csv_quotes: bool,
    in_quotes: bool,
    /// Bytes a non-regular file (pipe, device) may still yield; `None` for a regular file.
    stream_left: Option<u64>,
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(left) = &mut self.stream_left {
            *left = left.checked_sub(n as u64).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    StreamTooLong { line: self.line },
                )
            })?;
        }
        for &b in &buf[..n] {
            if self.csv_quotes && b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            if b == b'\n' {
                self.line += 1;
                if !self.in_quotes {
                    self.run = 0;
                    continue;
                }
            }
            self.run += 1;
            if self.run > self.limit {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    LineTooLong {
                        line: self.line,
                        limit: self.limit,
                        quoted: self.in_quotes,
                    },
                ));
            }
        }
        Ok(n)
    }
}

impl LineCap<std::fs::File> {
    /// A regular CSV file under the line cap, for readers that seek to record starts
    /// ([`crate::LazyCsv`]); newlines inside `"quotes"` count as part of the record.
    pub(crate) fn csv_file(file: std::fs::File) -> Self {
        LineCap {
            inner: file,
            limit: max_line_bytes(),
            run: 0,
            line: 1,
            csv_quotes: true,
            in_quotes: false,
            stream_left: None,
        }
    }
}

impl<R> LineCap<R> {
    /// After a seek: the line the reader now stands on (for error messages).
    pub(crate) fn set_line(&mut self, line: u64) {
        self.line = line;
    }
}

impl<R: std::io::Seek> std::io::Seek for LineCap<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        // Seeks land on record starts: a new record, outside quotes.
        self.run = 0;
        self.in_quotes = false;
        self.inner.seek(pos)
    }
}

/// Payload of a [`LineCap`] refusal.
#[derive(Debug)]
struct LineTooLong {
    line: u64,
    limit: u64,
    quoted: bool,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line longer than the limit of {} bytes{}; if the file is trusted, raise it with kerust_datasets::source::set_max_line_bytes",
            self.limit,
            if self.quoted {
                " (inside a quoted field: an unbalanced '\"'?)"
            } else {
                ""
            }
        )
    }
}
impl std::error::Error for LineTooLong {}

/// Payload of a refusal to read more than [`MAX_STREAM_BYTES`] from a pipe or device.
#[derive(Debug)]
struct StreamTooLong {
    line: u64,
}

impl std::fmt::Display for StreamTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not a regular file (a pipe or a device) and longer than {MAX_STREAM_BYTES} bytes; save the data to a regular file and load that"
        )
    }
}
impl std::error::Error for StreamTooLong {}

/// Maps a read error to either a gzip corruption error or a plain I/O error.
pub(crate) fn read_error(path: &Path, e: std::io::Error) -> DatasetsError {
    if let Some(long) = e.get_ref().and_then(|i| i.downcast_ref::<LineTooLong>()) {
        return DatasetsError::malformed(path, long.line, long.to_string());
    }
    if let Some(s) = e.get_ref().and_then(|i| i.downcast_ref::<StreamTooLong>()) {
        return DatasetsError::malformed(path, s.line, s.to_string());
    }
    let is_gzip = e
        .get_ref()
        .map(|inner| inner.is::<GzipError>())
        .unwrap_or(false);
    if is_gzip || e.kind() == std::io::ErrorKind::UnexpectedEof {
        DatasetsError::Archive {
            path: path.to_path_buf(),
            format: "gzip",
            message: e.to_string(),
        }
    } else {
        DatasetsError::io("cannot read", path, e)
    }
}

/// A CSV file being read record by record, remembering its path for error messages.
pub struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<Box<dyn BufRead>>,
    headers: Vec<String>,
}

impl CsvFile {
    /// Opens a CSV file with a header row (gzip and BOM handled by [`open_text`]).
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, true)
    }

    /// Opens a CSV file; `has_headers = false` for header-less files such as the Yelp CSVs.
    pub fn open_with(path: &Path, has_headers: bool) -> Result<Self> {
        let input = open_capped(path, true)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(has_headers)
            .flexible(false)
            .from_reader(input);
        let headers = if has_headers {
            let rec = reader
                .headers()
                .map_err(|e| csv_error(path, e))?
                .iter()
                .map(str::to_string)
                .collect();
            rec
        } else {
            Vec::new()
        };
        Ok(CsvFile {
            path: path.to_path_buf(),
            reader,
            headers,
        })
    }

    /// Header cells (empty when opened without headers).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails unless the header row equals `expected`.
    pub fn expect_headers(&self, expected: &[&str]) -> Result<()> {
        if self
            .headers
            .iter()
            .map(String::as_str)
            .ne(expected.iter().copied())
        {
            return Err(DatasetsError::malformed(
                &self.path,
                1,
                format!(
                    "expected header {:?}, found {:?}; is this the right file?",
                    expected.join(","),
                    self.headers.join(",")
                ),
            ));
        }
        Ok(())
    }

    /// Calls `f(record, line)` for every data record; errors keep the file and the record's first line.
    pub fn for_each(
        mut self,
        mut f: impl FnMut(&csv::StringRecord, u64) -> Result<()>,
    ) -> Result<()> {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = record.position().map(|p| p.line()).unwrap_or(0);
                    f(&record, line)?;
                }
                Err(e) => return Err(csv_error(&self.path, e)),
            }
        }
    }
}

/// Converts a csv-crate error to a file:line error.
fn csv_error(path: &Path, e: csv::Error) -> DatasetsError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => read_error(path, io),
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

/// Parses a numeric cell, naming the column on failure.
pub(crate) fn parse_cell<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    column: &str,
    cell: &str,
) -> Result<T> {
    cell.trim().parse::<T>().map_err(|_| {
        DatasetsError::malformed(
            path,
            line,
            format!("column {column:?}: expected a number, found {cell:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_giant_line_is_refused_before_it_is_buffered() {
        let dir = tempfile::tempdir().unwrap();
        let long = DEFAULT_MAX_LINE_BYTES as usize + 10;
        let mut body = b"id,text\n1,short\n2,".to_vec();
        body.resize(body.len() + long, b'a');
        body.extend_from_slice(b"\n");
        let plain = dir.path().join("long.csv");
        std::fs::write(&plain, &body).unwrap();
        let gz = dir.path().join("long.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&body).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        // An unbalanced quote makes the rest of the file one record: refused the same way.
        let quoted = dir.path().join("quote.csv");
        let mut q = b"id,text\n1,\"open\n".to_vec();
        q.extend(std::iter::repeat_n(b"x\n".as_slice(), long / 2 + 1).flatten());
        std::fs::write(&quoted, &q).unwrap();
        for p in [&plain, &gz, &quoted] {
            let mut rows = 0;
            let e = CsvFile::open(p)
                .unwrap()
                .for_each(|_, _| {
                    rows += 1;
                    Ok(())
                })
                .unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("set_max_line_bytes"), "{}: {msg}", p.display());
            assert!(
                matches!(e, DatasetsError::Malformed { line: 3.., .. }),
                "{msg}"
            );
            assert!(rows <= 1);
        }
        // Plain text readers (GloVe) are capped too; short lines pass.
        let glove = dir.path().join("glove.txt");
        let mut g = b"the 0.5 0.25\nof ".to_vec();
        g.resize(g.len() + long, b'1');
        std::fs::write(&glove, &g).unwrap();
        let e = crate::GloveVectors::load(&glove).unwrap_err();
        assert!(e.to_string().contains("set_max_line_bytes"), "{e}");
    }

    #[test]
    fn bom_and_gzip_are_transparent() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, b"\xEF\xBB\xBFid,x\n1,2\n").unwrap();
        let gz = dir.path().join("a.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"id,x\n1,2\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for p in [&plain, &gz] {
            let f = CsvFile::open(p).unwrap();
            assert_eq!(f.headers(), ["id", "x"]);
            let mut rows = 0;
            f.for_each(|r, line| {
                assert_eq!(line, 2);
                assert_eq!(&r[1], "2");
                rows += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(rows, 1);
        }
    }

    #[test]
    fn wrong_column_count_names_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.csv");
        std::fs::write(&p, "a,b\n1,2\n3\n").unwrap();
        let err = CsvFile::open(&p)
            .unwrap()
            .for_each(|_, _| Ok(()))
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bad.csv:3"), "{msg}");
        assert!(msg.contains("expected 2 columns, found 1"), "{msg}");
    }

    #[test]
    fn an_endless_stream_of_short_lines_stops_at_the_stream_bound() {
        // What a pipe or device gets (here with a 4 KiB bound): newlines forever reset the line
        // cap, so only the stream bound ends the read.
        let mut cap = LineCap {
            inner: std::io::repeat(b'\n'),
            limit: DEFAULT_MAX_LINE_BYTES,
            run: 0,
            line: 1,
            csv_quotes: false,
            in_quotes: false,
            stream_left: Some(4096),
        };
        let mut sink = Vec::new();
        let e = cap.read_to_end(&mut sink).unwrap_err();
        assert!(sink.len() <= 4096 + 8192, "{}", sink.len());
        let msg = read_error(Path::new("/dev/fake"), e).to_string();
        assert!(
            msg.contains("/dev/fake") && msg.contains("not a regular file"),
            "{msg}"
        );
        // A device within the bound reads normally: /dev/null opens and reads as empty.
        let mut r = open_text(Path::new("/dev/null")).unwrap();
        let mut s = String::new();
        assert_eq!(r.read_to_string(&mut s).unwrap(), 0);
    }

    #[test]
    fn corrupt_gzip_is_an_archive_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&b"a,b\n1,2\n".repeat(1000)).unwrap();
        let mut bytes = enc.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&p, bytes).unwrap();
        let err = CsvFile::open(&p)
            .and_then(|f| f.for_each(|_, _| Ok(())))
            .unwrap_err();
        assert!(
            matches!(err, DatasetsError::Archive { format: "gzip", .. }),
            "{err}"
        );
    }
}
