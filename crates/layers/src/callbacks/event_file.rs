//! TensorBoard event files: TFRecord framing (length, masked CRC32C, payload, masked CRC32C) around
//! hand-encoded `tensorflow.Event` protobufs (`file_version` first, then scalar summaries).
use crate::error::{LayerError, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const CASTAGNOLI: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// TFRecord's masked CRC32C (rotate right by 15, add a constant) so CRCs of CRCs stay strong.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = CASTAGNOLI.checksum(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// One TFRecord: `u64 len | u32 masked_crc(len) | data | u32 masked_crc(data)`, little endian.
pub fn tfrecord(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    out
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Length-delimited field (wire type 2).
fn bytes_field(field: u32, data: &[u8], out: &mut Vec<u8>) {
    varint(((field as u64) << 3) | 2, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

/// `Event { wall_time = 1 (double); step = 2 (int64); <what> }` with `what` already encoded.
fn event(wall_time: f64, step: i64, what: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(what.len() + 16);
    out.push(0x09); // field 1, 64-bit
    out.extend_from_slice(&wall_time.to_le_bytes());
    if step != 0 {
        out.push(0x10); // field 2, varint
        varint(step as u64, &mut out);
    }
    out.extend_from_slice(what);
    out
}

/// `Event.file_version = "brain.Event:2"` (field 3).
pub fn file_version_event(wall_time: f64) -> Vec<u8> {
    let mut what = Vec::new();
    bytes_field(3, b"brain.Event:2", &mut what);
    event(wall_time, 0, &what)
}

/// `Event.summary` (field 5) holding `Summary.value[] = {tag = 1, simple_value = 2}`.
pub fn scalars_event(wall_time: f64, step: i64, scalars: &[(String, f32)]) -> Vec<u8> {
    let mut summary = Vec::new();
    for (tag, value) in scalars {
        let mut v = Vec::new();
        bytes_field(1, tag.as_bytes(), &mut v);
        v.push(0x15); // field 2, 32-bit
        v.extend_from_slice(&value.to_le_bytes());
        bytes_field(1, &v, &mut summary);
    }
    let mut what = Vec::new();
    bytes_field(5, &summary, &mut what);
    event(wall_time, step, &what)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// An open `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` file in `dir`.
pub struct EventFileWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl EventFileWriter {
    /// Create `dir` if needed and start a new event file with its `file_version` record.
    pub fn create(dir: &Path) -> Result<Self> {
        let io = |e: std::io::Error| LayerError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty() && !h.contains(['/', '\\']))
            .unwrap_or_else(|| "localhost".into());
        let wall = now();
        let name = format!(
            "events.out.tfevents.{}.{host}.{}.{}.v2",
            wall as u64,
            std::process::id(),
            FILE_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = File::create(&path).map_err(io)?;
        let mut w = Self {
            path,
            out: BufWriter::new(file),
        };
        w.write_event(&file_version_event(wall))?;
        Ok(w)
    }

    /// Path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_event(&mut self, event: &[u8]) -> Result<()> {
        let rec = tfrecord(event);
        self.out
            .write_all(&rec)
            .and_then(|_| self.out.flush())
            .map_err(|e| LayerError::Io {
                path: self.path.display().to_string(),
                message: e.to_string(),
            })
    }

    /// Write scalar summaries for one step (flushed right away so TensorBoard sees them live).
    pub fn add_scalars(&mut self, step: i64, scalars: &[(String, f32)]) -> Result<()> {
        if scalars.is_empty() {
            return Ok(());
        }
        self.write_event(&scalars_event(now(), step, scalars))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_known_vectors() {
        // CRC-32C check value of "123456789" is 0xE3069283.
        assert_eq!(CASTAGNOLI.checksum(b"123456789"), 0xE306_9283);
        // ((c >> 15) | (c << 17)) + 0xa282ead8, worked out by hand in Python.
        assert_eq!(masked_crc32c(b"123456789"), 0xC78A_B0E5);
    }

    #[test]
    fn records_frame_their_payload() {
        let rec = tfrecord(b"abc");
        assert_eq!(rec.len(), 8 + 4 + 3 + 4);
        assert_eq!(&rec[..8], &3u64.to_le_bytes());
        assert_eq!(&rec[12..15], b"abc");
        assert_eq!(&rec[15..], &masked_crc32c(b"abc").to_le_bytes());
    }

    #[test]
    fn scalar_event_encodes_tag_and_value() {
        let e = scalars_event(1.5, 3, &[("epoch_loss".into(), 0.25)]);
        assert_eq!(e[0], 0x09);
        assert_eq!(&e[1..9], &1.5f64.to_le_bytes());
        assert_eq!(&e[9..11], &[0x10, 3]);
        // summary(5) { value(1) { tag(1) "epoch_loss", simple_value(2) 0.25 } }
        let mut want = vec![0x2a, 19, 0x0a, 17, 0x0a, 10];
        want.extend_from_slice(b"epoch_loss");
        want.push(0x15);
        want.extend_from_slice(&0.25f32.to_le_bytes());
        assert_eq!(&e[11..], &want[..]);
    }
}
