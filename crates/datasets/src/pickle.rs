//! A small, safe subset of the Python pickle machine: enough to read NumPy object arrays (`np.save` of
//! lists of ints, as in Keras' `imdb.npz`) written with protocols 2–5. It builds plain values and never
//! calls anything: globals are kept as names, `REDUCE`/`BUILD` as data to be interpreted by the caller.

use std::collections::HashMap;

/// A decoded pickle value.
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// A list whose items are all ints (kept compact: IMDb has millions of them).
    IntList(Vec<i64>),
    List(Vec<PyValue>),
    Tuple(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
    /// `module.name`, e.g. `numpy.core.multiarray._reconstruct`.
    Global(String, String),
    /// `callable(*args)` followed by optional `BUILD` state.
    Object {
        callable: Box<PyValue>,
        args: Box<PyValue>,
        state: Option<Box<PyValue>>,
    },
}

/// Why a pickle could not be decoded (the caller adds the file name).
#[derive(Debug, Clone, PartialEq)]
pub struct PickleError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, PickleError> {
    Err(PickleError(msg.into()))
}

/// Stack entries: values or a MARK.
enum Slot {
    Mark,
    Value(PyValue),
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Slot>,
    memo: HashMap<u64, PyValue>,
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        // Lengths come from the file: check them against what is left before slicing or allocating.
        if n > self.data.len() - self.pos {
            return err(format!(
                "truncated: needs {n} bytes at offset {}, only {} left",
                self.pos,
                self.data.len() - self.pos
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, PickleError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, PickleError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, PickleError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn line(&mut self) -> Result<&'a str, PickleError> {
        let rest = &self.data[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| PickleError("unterminated text argument".into()))?;
        self.pos += end + 1;
        std::str::from_utf8(&rest[..end]).map_err(|_| PickleError("non-UTF-8 text argument".into()))
    }

    fn push(&mut self, v: PyValue) {
        self.stack.push(Slot::Value(v));
    }

    fn pop(&mut self) -> Result<PyValue, PickleError> {
        match self.stack.pop() {
            Some(Slot::Value(v)) => Ok(v),
            Some(Slot::Mark) => err("unexpected MARK on stack"),
            None => err("stack underflow"),
        }
    }

    fn top(&mut self) -> Result<&mut PyValue, PickleError> {
        match self.stack.last_mut() {
            Some(Slot::Value(v)) => Ok(v),
            _ => err("stack underflow"),
        }
    }

    /// Pops everything down to the last MARK.
    fn pop_mark(&mut self) -> Result<Vec<PyValue>, PickleError> {
        let mark = self
            .stack
            .iter()
            .rposition(|s| matches!(s, Slot::Mark))
            .ok_or_else(|| PickleError("missing MARK".into()))?;
        let items = self
            .stack
            .drain(mark + 1..)
            .map(|s| match s {
                Slot::Value(v) => v,
                Slot::Mark => PyValue::None,
            })
            .collect();
        self.stack.pop();
        Ok(items)
    }

    fn memo_put(&mut self, key: u64) -> Result<(), PickleError> {
        let v = match self.stack.last() {
            Some(Slot::Value(v)) => v.clone(),
            _ => return err("memo put with empty stack"),
        };
        self.memo.insert(key, v);
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Result<(), PickleError> {
        let v = self
            .memo
            .get(&key)
            .cloned()
            .ok_or_else(|| PickleError(format!("memo key {key} missing")))?;
        self.push(v);
        Ok(())
    }

    fn run(&mut self) -> Result<PyValue, PickleError> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    self.u8()?; // PROTO
                }
                0x95 => {
                    self.u64()?; // FRAME: a size hint only
                }
                b'.' => return self.pop(),
                b'(' => self.stack.push(Slot::Mark),
                b']' => self.push(PyValue::IntList(Vec::new())),
                b')' => self.push(PyValue::Tuple(Vec::new())),
                b'}' => self.push(PyValue::Dict(Vec::new())),
                b'N' => self.push(PyValue::None),
                0x88 => self.push(PyValue::Bool(true)),
                0x89 => self.push(PyValue::Bool(false)),
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push(PyValue::Int(i64::from(v)));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(PyValue::Int(i64::from(v)));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(PyValue::Int(i64::from(v)));
                }
                b'I' | b'L' => {
                    let t = self.line()?.trim_end_matches('L');
                    let v = match t {
                        "00" => PyValue::Bool(false),
                        "01" => PyValue::Bool(true),
                        _ => PyValue::Int(
                            t.parse()
                                .map_err(|_| PickleError(format!("bad int {t:?}")))?,
                        ),
                    };
                    self.push(v);
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    self.push(PyValue::Int(long_from_le(b)?));
                }
                0x8b => {
                    let n = self.u32()? as usize;
                    let b = self.take(n)?;
                    self.push(PyValue::Int(long_from_le(b)?));
                }
                b'G' => {
                    let b = self.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push(PyValue::Float(f64::from_be_bytes(a)));
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        b'X' => self.u32()? as usize,
                        0x8c => self.u8()? as usize,
                        _ => usize::try_from(self.u64()?).unwrap_or(usize::MAX),
                    };
                    let b = self.take(n)?;
                    let s = std::str::from_utf8(b)
                        .map_err(|_| PickleError("bad UTF-8 string".into()))?;
                    self.push(PyValue::Str(s.to_string()));
                }
                b'T' | b'U' => {
                    // Python 2 `str`: NumPy reads it with encoding="latin1"-compatible bytes; keep as text.
                    let n = if op == b'T' {
                        self.u32()? as usize
                    } else {
                        self.u8()? as usize
                    };
                    let b = self.take(n)?;
                    self.push(PyValue::Str(b.iter().map(|&c| c as char).collect()));
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'B' => self.u32()? as usize,
                        b'C' => self.u8()? as usize,
                        _ => usize::try_from(self.u64()?).unwrap_or(usize::MAX),
                    };
                    let b = self.take(n)?;
                    self.push(PyValue::Bytes(b.to_vec()));
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.push(PyValue::Global(module, name));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (PyValue::Str(m), PyValue::Str(n)) => self.push(PyValue::Global(m, n)),
                        _ => return err("STACK_GLOBAL needs two strings"),
                    }
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    self.push(PyValue::Object {
                        callable: Box::new(callable),
                        args: Box::new(args),
                        state: None,
                    });
                }
                b'b' => {
                    let state = self.pop()?;
                    match self.top()? {
                        PyValue::Object { state: s, .. } => *s = Some(Box::new(state)),
                        _ => return err("BUILD on a non-object"),
                    }
                }
                b'a' => {
                    let v = self.pop()?;
                    append(self.top()?, vec![v])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    append(self.top()?, items)?;
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    let mut list = PyValue::IntList(Vec::new());
                    append(&mut list, items)?;
                    self.push(list);
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(PyValue::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.push(PyValue::Tuple(items));
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    match self.top()? {
                        PyValue::Dict(d) => d.push((k, v)),
                        _ => return err("SETITEM on a non-dict"),
                    }
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        PyValue::Dict(d) => {
                            let mut it = items.into_iter();
                            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                                d.push((k, v));
                            }
                        }
                        _ => return err("SETITEMS on a non-dict"),
                    }
                }
                b'p' => {
                    let key: u64 = self
                        .line()?
                        .parse()
                        .map_err(|_| PickleError("bad PUT".into()))?;
                    self.memo_put(key)?;
                }
                b'q' => {
                    let key = u64::from(self.u8()?);
                    self.memo_put(key)?;
                }
                b'r' => {
                    let key = u64::from(self.u32()?);
                    self.memo_put(key)?;
                }
                0x94 => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key)?;
                }
                b'g' => {
                    let key: u64 = self
                        .line()?
                        .parse()
                        .map_err(|_| PickleError("bad GET".into()))?;
                    self.memo_get(key)?;
                }
                b'h' => {
                    let key = u64::from(self.u8()?);
                    self.memo_get(key)?;
                }
                b'j' => {
                    let key = u64::from(self.u32()?);
                    self.memo_get(key)?;
                }
                b'0' => {
                    self.stack.pop();
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v);
                }
                other => {
                    return err(format!(
                        "unsupported pickle opcode 0x{other:02x} at offset {}",
                        self.pos - 1
                    ))
                }
            }
        }
    }
}

/// Appends to a list, keeping it compact while every item is an int.
fn append(list: &mut PyValue, items: Vec<PyValue>) -> Result<(), PickleError> {
    match list {
        PyValue::IntList(ints) => {
            if items.iter().all(|v| matches!(v, PyValue::Int(_))) {
                ints.extend(items.into_iter().map(|v| match v {
                    PyValue::Int(i) => i,
                    _ => 0,
                }));
            } else {
                let mut general: Vec<PyValue> = ints.drain(..).map(PyValue::Int).collect();
                general.extend(items);
                *list = PyValue::List(general);
            }
            Ok(())
        }
        PyValue::List(v) => {
            v.extend(items);
            Ok(())
        }
        _ => err("APPEND on a non-list"),
    }
}

/// Two's-complement little-endian integer (LONG1/LONG4); more than 8 bytes does not fit an i64.
fn long_from_le(b: &[u8]) -> Result<i64, PickleError> {
    if b.is_empty() {
        return Ok(0);
    }
    if b.len() > 8 {
        return err(format!(
            "integer of {} bytes does not fit in 64 bits",
            b.len()
        ));
    }
    let fill = if b[b.len() - 1] & 0x80 != 0 { 0xff } else { 0 };
    let mut a = [fill; 8];
    a[..b.len()].copy_from_slice(b);
    Ok(i64::from_le_bytes(a))
}

/// Decodes one pickle.
pub fn unpickle(data: &[u8]) -> Result<PyValue, PickleError> {
    Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        memo: HashMap::new(),
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol2_list_of_lists() {
        // pickle.dumps([[1, 300, 70000], []], protocol=2)
        let p = b"\x80\x02]q\x00(]q\x01(K\x01M,\x01J\x70\x11\x01\x00e]q\x02e.";
        assert_eq!(
            unpickle(p).unwrap(),
            PyValue::List(vec![
                PyValue::IntList(vec![1, 300, 70000]),
                PyValue::IntList(vec![])
            ])
        );
    }

    #[test]
    fn truncated_and_unknown_input_are_errors_not_panics() {
        assert!(unpickle(b"\x80\x02X\xff\xff\xff\x7fabc").is_err());
        assert!(unpickle(b"\x80\x02").is_err());
        assert!(unpickle(b"\xfe").is_err());
        assert!(unpickle(b"e.").is_err());
        assert_eq!(long_from_le(&[0xff]).unwrap(), -1);
        assert_eq!(long_from_le(&[0x00, 0x01]).unwrap(), 256);
    }
}
