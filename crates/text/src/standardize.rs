//! TextVectorization's preprocessing: TF's `standardize` (ASCII-only lowering and the
//! punctuation regex), TF's `split` rules and `tf.strings.ngrams`, all on `&str`.

use std::fmt;
use std::sync::Arc;

/// A user standardize function (`standardize=callable` in Keras).
pub type StandardizeFn = Arc<dyn Fn(&str) -> String + Send + Sync>;
/// A user split function (`split=callable` in Keras).
pub type SplitFn = Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// The `standardize` argument of TextVectorization.
#[derive(Clone)]
pub enum Standardize {
    /// `"lower_and_strip_punctuation"` (Keras default).
    LowerAndStripPunctuation,
    /// `"lower"`.
    Lower,
    /// `"strip_punctuation"`.
    StripPunctuation,
    /// `None`: text is used as is.
    None,
    /// A named user function.
    Custom { name: String, f: StandardizeFn },
    /// A custom function named in a loaded config but not attached yet.
    Missing { name: String },
}

/// The `split` argument of TextVectorization.
#[derive(Clone)]
pub enum Split {
    /// `"whitespace"` (Keras default): runs of ASCII whitespace separate tokens.
    Whitespace,
    /// `"character"`: every Unicode scalar value is a token.
    Character,
    /// `None`: the whole standardized string is one token.
    None,
    /// A named user function.
    Custom { name: String, f: SplitFn },
    /// A custom function named in a loaded config but not attached yet.
    Missing { name: String },
}

impl fmt::Debug for Standardize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Standardize::LowerAndStripPunctuation => write!(f, "LowerAndStripPunctuation"),
            Standardize::Lower => write!(f, "Lower"),
            Standardize::StripPunctuation => write!(f, "StripPunctuation"),
            Standardize::None => write!(f, "None"),
            Standardize::Custom { name, .. } => write!(f, "Custom({name})"),
            Standardize::Missing { name } => write!(f, "Missing({name})"),
        }
    }
}

impl fmt::Debug for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Split::Whitespace => write!(f, "Whitespace"),
            Split::Character => write!(f, "Character"),
            Split::None => write!(f, "None"),
            Split::Custom { name, .. } => write!(f, "Custom({name})"),
            Split::Missing { name } => write!(f, "Missing({name})"),
        }
    }
}

/// TF's whitespace set for `tf.strings.split` (C `isspace`): space, \t, \n, \v, \f, \r.
/// Unicode spaces such as U+00A0 do not split, exactly as in TF.
#[inline]
pub(crate) const fn is_tf_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// Applies `standardize` to one string. `tf.strings.lower` lowers ASCII only, and TF's regex
/// `[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']` is exactly the 32 ASCII punctuation bytes, so both
/// work byte-wise without breaking UTF-8.
#[cfg(test)]
pub(crate) fn standardize_text(s: &Standardize, text: &str) -> String {
    let mut buf = String::new();
    standardize_into(s, text, &mut buf).to_string()
}

impl Standardize {
    /// `(lower, strip_punctuation)` for the built-in modes; `None` for user functions.
    pub(crate) fn builtin(&self) -> Option<(bool, bool)> {
        match self {
            Standardize::LowerAndStripPunctuation => Some((true, true)),
            Standardize::Lower => Some((true, false)),
            Standardize::StripPunctuation => Some((false, true)),
            Standardize::None | Standardize::Missing { .. } => Some((false, false)),
            Standardize::Custom { .. } => None,
        }
    }
}

/// `standardize_text` writing into the reusable `buf` (or borrowing `text` when nothing changes).
pub(crate) fn standardize_into<'a>(s: &Standardize, text: &'a str, buf: &'a mut String) -> &'a str {
    let (lower, strip) = match (s, s.builtin()) {
        (Standardize::Custom { f, .. }, _) => {
            *buf = f(text);
            return buf.as_str();
        }
        (_, Some((false, false)) | None) => return text,
        (_, Some(flags)) => flags,
    };
    buf.clear();
    push_standardized(text, lower, strip, buf);
    buf.as_str()
}

/// Appends `text` to `buf` with ASCII punctuation dropped (`strip`) and ASCII lowered (`lower`).
fn push_standardized(text: &str, lower: bool, strip: bool, buf: &mut String) {
    if text.len() <= 32 && text.is_ascii() {
        // Short ASCII token (the usual case): one byte loop, no run copies.
        buf.extend(
            text.bytes()
                .filter(|b| !(strip && b.is_ascii_punctuation()))
                .map(|b| char::from(if lower { b.to_ascii_lowercase() } else { b })),
        );
        return;
    }
    let from = buf.len();
    if strip {
        let mut start = 0;
        // Copy runs of kept bytes; only ASCII bytes are dropped, so every cut is a char boundary.
        for (i, &b) in text.as_bytes().iter().enumerate() {
            if b.is_ascii_punctuation() {
                buf.push_str(&text[start..i]);
                start = i + 1;
            }
        }
        buf.push_str(&text[start..]);
    } else {
        buf.push_str(text);
    }
    if lower {
        buf[from..].make_ascii_lowercase();
    }
}

/// Byte classes for `standardize_split_whitespace`.
const UPPER: u8 = 1;
const PUNCT: u8 = 2;
const SPACE: u8 = 4;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_punctuation() {
            PUNCT
        } else if is_tf_space(c as char) {
            SPACE
        } else {
            0
        };
        b += 1;
    }
    t
};

/// A built-in `standardize` followed by `split="whitespace"` in one pass: tokens are cut at
/// TF whitespace in the raw text (standardizing never adds or removes whitespace), a token with
/// nothing to change is passed as a slice of `text`, others are standardized into `buf`, and
/// tokens left empty by stripping are dropped, as TF's split drops empty strings.
pub(crate) fn standardize_split_whitespace(
    text: &str,
    lower: bool,
    strip: bool,
    buf: &mut String,
    f: &mut dyn FnMut(&str),
) {
    let care = if lower { UPPER } else { 0 } | if strip { PUNCT } else { 0 };
    let mut emit = |tok: &str, flags: u8| {
        if flags & care == 0 {
            f(tok);
        } else {
            buf.clear();
            push_standardized(tok, lower, strip, buf);
            if !buf.is_empty() {
                f(buf);
            }
        }
    };
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut flags = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        let c = CLASS[b as usize];
        if c & SPACE != 0 {
            // TF spaces are ASCII, so `i` is a char boundary.
            if i > start {
                emit(&text[start..i], flags);
            }
            start = i + 1;
            flags = 0;
        } else {
            flags |= c;
        }
    }
    if bytes.len() > start {
        emit(&text[start..], flags);
    }
}

/// Calls `f` on every token of an already standardized string.
pub(crate) fn split_text(split: &Split, text: &str, f: &mut dyn FnMut(&str)) {
    match split {
        Split::Whitespace => {
            let mut buf = String::new();
            standardize_split_whitespace(text, false, false, &mut buf, f);
        }
        Split::Character => {
            let mut buf = [0u8; 4];
            for c in text.chars() {
                f(c.encode_utf8(&mut buf));
            }
        }
        Split::None | Split::Missing { .. } => f(text),
        Split::Custom { f: g, .. } => {
            for t in g(text) {
                f(&t);
            }
        }
    }
}

/// Calls `f` on the n-grams of `tokens` for each width in turn (`tf.strings.ngrams` with
/// `separator=" "`): widths longer than the sequence give nothing.
pub(crate) fn ngrams(tokens: &[&str], widths: &[usize], f: &mut dyn FnMut(&str)) {
    let mut buf = String::new();
    for &w in widths {
        if w == 0 || w > tokens.len() {
            continue;
        }
        if w == 1 {
            for t in tokens {
                f(t);
            }
            continue;
        }
        for win in tokens.windows(w) {
            buf.clear();
            for (k, t) in win.iter().enumerate() {
                if k > 0 {
                    buf.push(' ');
                }
                buf.push_str(t);
            }
            f(&buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &Standardize, sp: &Split, text: &str) -> Vec<String> {
        let st = standardize_text(s, text);
        let mut out = Vec::new();
        split_text(sp, &st, &mut |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn default_standardize_is_ascii_only() {
        let t = toks(
            &Standardize::LowerAndStripPunctuation,
            &Split::Whitespace,
            "ÜBER Ça, ABC's!  x\u{a0}y",
        );
        assert_eq!(t, ["Über", "Ça", "abcs", "x\u{a0}y"]);
    }

    #[test]
    fn punctuation_set_equals_tf_regex() {
        let re = regex::Regex::new(r##"[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']"##).unwrap();
        for b in 0u8..128 {
            let s = (b as char).to_string();
            assert_eq!(re.is_match(&s), b.is_ascii_punctuation(), "byte {b}");
        }
    }

    #[test]
    fn whitespace_and_character_split() {
        let t = toks(
            &Standardize::None,
            &Split::Whitespace,
            "  a\t\tb\r\nc\u{0B}d\u{1C}e  ",
        );
        assert_eq!(t, ["a", "b", "c", "d\u{1C}e"]);
        let t = toks(&Standardize::None, &Split::Character, "aé😀");
        assert_eq!(t, ["a", "é", "😀"]);
        assert_eq!(toks(&Standardize::None, &Split::None, ""), [""]);
    }

    #[test]
    fn one_pass_equals_standardize_then_split() {
        let texts = [
            "  Hello, WORLD!! it's  a\tTEST\r\n",
            "ÜBER Ça, ABC's!  x\u{a0}y ... ,, ;",
            "",
            "!!! ?? a",
            "no-change words here",
            "d\u{1C}E\u{0B}F\u{0C}g",
        ];
        let modes = [
            Standardize::LowerAndStripPunctuation,
            Standardize::Lower,
            Standardize::StripPunctuation,
            Standardize::None,
        ];
        for m in &modes {
            let (lower, strip) = m.builtin().unwrap();
            for t in texts {
                let mut fused = Vec::new();
                let mut buf = String::new();
                standardize_split_whitespace(t, lower, strip, &mut buf, &mut |w| {
                    fused.push(w.to_string())
                });
                let st = standardize_text(m, t);
                let reference: Vec<&str> =
                    st.split(is_tf_space).filter(|w| !w.is_empty()).collect();
                assert_eq!(fused, reference, "{m:?} {t:?}");
            }
        }
    }

    #[test]
    fn ngram_order() {
        let mut out = Vec::new();
        ngrams(&["a", "b", "c"], &[1, 2, 4], &mut |t| {
            out.push(t.to_string())
        });
        assert_eq!(out, ["a", "b", "c", "a b", "b c"]);
    }
}
