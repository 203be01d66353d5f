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
pub(crate) fn is_tf_space(c: char) -> bool {
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

/// `standardize_text` writing into the reusable `buf` (or borrowing `text` when nothing changes).
pub(crate) fn standardize_into<'a>(s: &Standardize, text: &'a str, buf: &'a mut String) -> &'a str {
    let (lower, strip) = match s {
        Standardize::LowerAndStripPunctuation => (true, true),
        Standardize::Lower => (true, false),
        Standardize::StripPunctuation => (false, true),
        Standardize::Custom { f, .. } => {
            *buf = f(text);
            return buf.as_str();
        }
        Standardize::None | Standardize::Missing { .. } => return text,
    };
    buf.clear();
    let mut start = 0;
    let bytes = text.as_bytes();
    // Copy runs of kept bytes; only ASCII bytes are dropped, so every cut is a char boundary.
    for (i, &b) in bytes.iter().enumerate() {
        if strip && b.is_ascii_punctuation() {
            buf.push_str(&text[start..i]);
            start = i + 1;
        }
    }
    buf.push_str(&text[start..]);
    if lower {
        buf.make_ascii_lowercase();
    }
    buf.as_str()
}

/// Calls `f` on every token of an already standardized string.
pub(crate) fn split_text(split: &Split, text: &str, f: &mut dyn FnMut(&str)) {
    match split {
        Split::Whitespace => {
            for t in text.split(is_tf_space) {
                if !t.is_empty() {
                    f(t);
                }
            }
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
    fn ngram_order() {
        let mut out = Vec::new();
        ngrams(&["a", "b", "c"], &[1, 2, 4], &mut |t| {
            out.push(t.to_string())
        });
        assert_eq!(out, ["a", "b", "c", "a b", "b c"]);
    }
}
