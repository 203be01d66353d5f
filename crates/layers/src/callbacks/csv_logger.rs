//! `CSVLogger`: one CSV row per epoch (`epoch` then every logged key, sorted), like Keras —
//! same header, `NA` for missing values, Python float formatting and `\r\n` line ends.
use super::Callback;
use crate::error::{LayerError, Result};
use crate::model::{Logs, ModelCore};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// Keras `CSVLogger(filename, separator=",", append=False)`.
pub struct CSVLogger {
    /// File the epoch logs are written to.
    pub filename: PathBuf,
    /// Column separator (default `,`).
    pub separator: char,
    /// Append to an existing file (writing the header only if it is empty).
    pub append: bool,
    writer: Option<csv::Writer<File>>,
    keys: Option<Vec<String>>,
    append_header: bool,
}

impl CSVLogger {
    /// Keras `CSVLogger(filename, separator=",", append=False)`.
    pub fn new(filename: impl Into<PathBuf>) -> Self {
        Self {
            filename: filename.into(),
            separator: ',',
            append: false,
            writer: None,
            keys: None,
            append_header: true,
        }
    }
    /// Keras `separator=`: column separator (default `,`).
    pub fn separator(mut self, s: char) -> Self {
        self.separator = s;
        self
    }
    /// Keras `append=`: append to an existing file instead of overwriting it (default `False`).
    pub fn append(mut self, a: bool) -> Self {
        self.append = a;
        self
    }
    fn io_err(&self, e: impl std::fmt::Display) -> LayerError {
        LayerError::Io {
            path: self.filename.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// Python's `repr(float)` of an `f32` log value widened to `f64`, as `csv.writer` writes it.
pub fn py_float(v: f32) -> String {
    let v = v as f64;
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..16).contains(&exp) {
        // Shortest round-trip digits in scientific form: `1e-05`, `1.5e+16`.
        let s = format!("{v:e}");
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", e.abs());
    }
    let s = format!("{v}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

impl Callback for CSVLogger {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        if !self.separator.is_ascii() {
            return Err(LayerError::config(
                "CSVLogger",
                format!(
                    "separator must be one ASCII character, got {:?}",
                    self.separator
                ),
            ));
        }
        self.append_header = true;
        if self.append && self.filename.exists() {
            let f = File::open(&self.filename).map_err(|e| self.io_err(e))?;
            let mut first = String::new();
            BufReader::new(f)
                .read_line(&mut first)
                .map_err(|e| self.io_err(e))?;
            self.append_header = first.is_empty();
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .append(self.append)
            .truncate(!self.append)
            .open(&self.filename)
            .map_err(|e| self.io_err(e))?;
        self.writer = Some(
            csv::WriterBuilder::new()
                .delimiter(self.separator as u8)
                .terminator(csv::Terminator::CRLF)
                .from_writer(file),
        );
        self.keys = None;
        Ok(())
    }

    fn on_epoch_end(&mut self, _model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.keys().map(str::to_string).collect();
            keys.sort();
            // Without validation data Keras still reserves `val_*` columns.
            if !keys.iter().any(|k| k.starts_with("val_")) && !keys.is_empty() {
                let vals: Vec<String> = keys.iter().map(|k| format!("val_{k}")).collect();
                keys.extend(vals);
            }
            if self.append_header {
                let header: Vec<&str> = std::iter::once("epoch")
                    .chain(keys.iter().map(String::as_str))
                    .collect();
                if let Some(w) = self.writer.as_mut() {
                    w.write_record(&header).map_err(|e| LayerError::Io {
                        path: self.filename.display().to_string(),
                        message: e.to_string(),
                    })?;
                }
            }
            self.keys = Some(keys);
        }
        let keys = self.keys.as_deref().unwrap_or_default();
        let row: Vec<String> = std::iter::once(epoch.to_string())
            .chain(
                keys.iter()
                    .map(|k| logs.get(k).map(py_float).unwrap_or_else(|| "NA".into())),
            )
            .collect();
        let path = self.filename.display().to_string();
        if let Some(w) = self.writer.as_mut() {
            let io = |e: &dyn std::fmt::Display| LayerError::Io {
                path: path.clone(),
                message: e.to_string(),
            };
            w.write_record(&row).map_err(|e| io(&e))?;
            w.flush().map_err(|e| io(&e))?;
        }
        Ok(())
    }

    fn on_train_end(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            w.flush().map_err(|e| self.io_err(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn floats_print_like_python_repr() {
        // Values checked against `repr(float(np.float32(x)))`.
        assert_eq!(py_float(0.5), "0.5");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.41666666), "0.4166666567325592");
        assert_eq!(py_float(1e-5), "9.999999747378752e-06");
        assert_eq!(py_float(0.001), "0.0010000000474974513");
        assert_eq!(py_float(f32::NAN), "nan");
        assert_eq!(py_float(123456.0), "123456.0");
    }
}
