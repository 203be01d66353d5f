//! `text_to_word_sequence`: the Keras Tokenizer's splitting rule (lower, map every filter
//! character to `split`, split on `split`, drop empty pieces), precompiled for speed.

use crate::error::{Result, TextError};
use rustc_hash::FxHashSet;

/// Keras's default `filters`: ASCII punctuation except `'`, plus tab and newline.
pub const DEFAULT_FILTERS: &str = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

/// A compiled `(filters, lower, split)` triple; splitting a text allocates one string at most.
#[derive(Debug, Clone)]
pub(crate) struct WordSplitter {
    ascii: [bool; 128],
    other: FxHashSet<char>,
    lower: bool,
    split: String,
    /// `Some(c)` when `split` is one char: then filters and `c` are all plain separators.
    split_char: Option<char>,
    /// For ASCII texts with a one-char `split`: per byte, `SEP` if it separates words (after
    /// lowering) and `UPPER` if lowering changes it.
    ascii_class: [u8; 128],
}

/// `ascii_class` bits.
const SEP: u8 = 1;
const UPPER: u8 = 2;

impl WordSplitter {
    /// Compiles the options; an empty `split` is an error, as in Python's `str.split("")`.
    pub(crate) fn new(op: &'static str, filters: &str, lower: bool, split: &str) -> Result<Self> {
        if split.is_empty() {
            return Err(TextError::InvalidValue {
                op,
                option: "split",
                reason: "the separator is empty; use a non-empty string such as \" \"".into(),
            });
        }
        let mut ascii = [false; 128];
        let mut other = FxHashSet::default();
        for c in filters.chars() {
            if c.is_ascii() {
                ascii[c as usize] = true;
            } else {
                other.insert(c);
            }
        }
        let mut it = split.chars();
        let split_char = match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        let mut ascii_class = [0u8; 128];
        for (b, class) in (0u8..).zip(ascii_class.iter_mut()) {
            // Python lowers first, so separators are matched against the lowered byte.
            let l = if lower { b.to_ascii_lowercase() } else { b };
            if ascii[l as usize] || split_char == Some(l as char) {
                *class |= SEP;
            }
            if l != b {
                *class |= UPPER;
            }
        }
        Ok(WordSplitter {
            ascii,
            other,
            lower,
            split: split.to_string(),
            split_char,
            ascii_class,
        })
    }

    #[inline]
    fn is_filter(&self, c: char) -> bool {
        if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            !self.other.is_empty() && self.other.contains(&c)
        }
    }

    /// Calls `f` on every word of `text`, in order.
    pub(crate) fn for_each_word<F: FnMut(&str)>(&self, text: &str, f: F) {
        let mut buf = String::new();
        self.for_each_word_buf(text, &mut buf, f);
    }

    /// Like `for_each_word`, lowering into the reusable `buf` (no allocation per text when warm).
    pub(crate) fn for_each_word_buf<F: FnMut(&str)>(&self, text: &str, buf: &mut String, mut f: F) {
        if self.split_char.is_some() && text.is_ascii() {
            // ASCII text: lowering is per byte and never creates or removes a separator, so
            // words are cut in the raw text and only words with an uppercase letter are copied.
            let bytes = text.as_bytes();
            let mut start = 0;
            let mut upper = 0;
            for (i, &b) in bytes.iter().enumerate() {
                let c = self.ascii_class[b as usize];
                if c & SEP != 0 {
                    if i > start {
                        self.emit_ascii(&text[start..i], upper != 0, buf, &mut f);
                    }
                    start = i + 1;
                    upper = 0;
                } else {
                    upper |= c;
                }
            }
            if bytes.len() > start {
                self.emit_ascii(&text[start..], upper != 0, buf, &mut f);
            }
            return;
        }
        // Python lowers first, then translates; no non-ASCII char lowers to ASCII punctuation,
        // so the filter set is unaffected by the order.
        let text = if self.lower && !is_lowercase_fixed_point(text) {
            lower_into(text, buf);
            buf.as_str()
        } else {
            text
        };
        match self.split_char {
            Some(sep) if sep.is_ascii() && self.other.is_empty() => {
                // Byte-level fast path: every separator is one ASCII byte, and ASCII bytes never
                // occur inside a multi-byte UTF-8 sequence, so slicing at them is always valid.
                let bytes = text.as_bytes();
                let sep = sep as u8;
                let mut start = 0;
                for (i, &b) in bytes.iter().enumerate() {
                    if b == sep || (b < 128 && self.ascii[b as usize]) {
                        if i > start {
                            f(&text[start..i]);
                        }
                        start = i + 1;
                    }
                }
                if bytes.len() > start {
                    f(&text[start..]);
                }
            }
            Some(sep) => {
                for w in text.split(|c: char| c == sep || self.is_filter(c)) {
                    if !w.is_empty() {
                        f(w);
                    }
                }
            }
            None => {
                // Multi-char separator: replace filters by `split`, then split on the whole string,
                // exactly like `str.translate` followed by `str.split(split)`.
                let mut replaced = String::with_capacity(text.len());
                for c in text.chars() {
                    if self.is_filter(c) {
                        replaced.push_str(&self.split);
                    } else {
                        replaced.push(c);
                    }
                }
                for w in replaced.split(self.split.as_str()) {
                    if !w.is_empty() {
                        f(w);
                    }
                }
            }
        }
    }

    /// Passes an ASCII word to `f`, lowered through `buf` when it has an uppercase letter.
    #[inline]
    fn emit_ascii<F: FnMut(&str)>(&self, word: &str, upper: bool, buf: &mut String, f: &mut F) {
        if upper {
            buf.clear();
            buf.push_str(word);
            buf.make_ascii_lowercase();
            f(buf);
        } else {
            f(word);
        }
    }

    /// The words of `text` as owned strings.
    pub(crate) fn words(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_word(text, |w| out.push(w.to_string()));
        out
    }
}

/// Python's `str.lower` into `buf`: ASCII texts take the cheap path, others full Unicode lowering.
pub(crate) fn lower_into(text: &str, buf: &mut String) {
    buf.clear();
    if text.is_ascii() {
        buf.push_str(text);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&text.to_lowercase());
    }
}

/// True when lowering cannot change `text` (pure ASCII without uppercase letters): skips an allocation.
#[inline]
fn is_lowercase_fixed_point(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// Keras `text_to_word_sequence(text, filters, lower, split)`.
pub fn text_to_word_sequence(
    text: &str,
    filters: &str,
    lower: bool,
    split: &str,
) -> Result<Vec<String>> {
    Ok(WordSplitter::new("text_to_word_sequence", filters, lower, split)?.words(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        text_to_word_sequence(t, DEFAULT_FILTERS, true, " ").unwrap()
    }

    #[test]
    fn default_rules() {
        assert_eq!(
            words("I love Stats, so much!"),
            ["i", "love", "stats", "so", "much"]
        );
        assert_eq!(words("don't\tstop\r\nnow"), ["don't", "stop\r", "now"]);
        assert!(words("").is_empty());
        assert!(words(" ,.; ").is_empty());
    }

    #[test]
    fn unicode_lowering_matches_python() {
        // Python: 'ΣΑΣ Ünïcode İ'.lower() == 'σας ünïcode i̇'
        assert_eq!(words("ΣΑΣ Ünïcode İ"), ["σας", "ünïcode", "i\u{307}"]);
        assert_eq!(words("שלום עולם 😀"), ["שלום", "עולם", "😀"]);
    }

    #[test]
    fn ascii_fast_path_lowers_before_filtering() {
        // keras_preprocessing: text_to_word_sequence('aXbAc', filters='a') == ['xb', 'c']
        let w = text_to_word_sequence("aXbAc", "a", true, " ").unwrap();
        assert_eq!(w, ["xb", "c"]);
        // keras_preprocessing with split='X': ['axb'] when lowering, ['a', 'b'] when not.
        assert_eq!(
            text_to_word_sequence("aXb", "", true, "X").unwrap(),
            ["axb"]
        );
        assert_eq!(
            text_to_word_sequence("aXb", "", false, "X").unwrap(),
            ["a", "b"]
        );
        // A non-ASCII separator: filters still split ASCII texts.
        assert_eq!(
            text_to_word_sequence("Ab,cD", ",", true, "é").unwrap(),
            ["ab", "cd"]
        );
    }

    #[test]
    fn multi_char_split() {
        let w = text_to_word_sequence("a--b,c", ",", false, "--").unwrap();
        assert_eq!(w, ["a", "b", "c"]);
        // Python: 'x-,y'.translate({',': '--'}).split('--') == ['x', '-y']
        let w = text_to_word_sequence("x-,y", ",", false, "--").unwrap();
        assert_eq!(w, ["x", "-y"]);
    }

    #[test]
    fn empty_split_is_an_error() {
        assert!(matches!(
            text_to_word_sequence("a b", "", true, ""),
            Err(TextError::InvalidValue {
                option: "split",
                ..
            })
        ));
    }
}
