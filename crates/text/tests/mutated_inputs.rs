//! Property-style fuzzing of what the text crate reads from files: Tokenizer JSON
//! (`tokenizer_from_json`), TextVectorization configs and vocabulary lists, mutated by
//! truncations, bit flips, inserted quotes/brackets and huge numbers, must give `Ok` or a typed
//! error — never a panic or an allocation sized by the input. `KERUST_TEXT_FUZZ_ITERS` (default
//! 2000 per input) makes longer sessions.
use kerust_text::{TextVectorizer, Tokenizer};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(orig: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut b = orig.to_vec();
    for _ in 0..1 + r.below(3) {
        let i = r.below(b.len() + 1);
        match r.below(5) {
            0 => b.truncate(i),
            1 if i < b.len() => b[i] ^= 1 << r.below(7),
            2 => b.insert(i, b"\"{}[]:,\\\n"[r.below(9)]),
            3 => {
                let n = r.below(8).min(b.len() - i);
                b.drain(i..i + n);
            }
            _ => {
                let big = [
                    "18446744073709551615",
                    "1e308",
                    "-1",
                    "99999999999999999999999",
                ][r.below(4)];
                b.splice(i..i, big.bytes());
            }
        }
    }
    b
}

fn iters() -> usize {
    std::env::var("KERUST_TEXT_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

fn fuzz(name: &str, valid: &str, seed: u64, load: impl Fn(&str) -> bool) {
    assert!(load(valid), "{name}: the unmutated input must load");
    let mut r = Rng(seed);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..iters() {
        let m = mutate(valid.as_bytes(), &mut r);
        // A file that is not UTF-8 is refused before it reaches the parser.
        let Ok(s) = std::str::from_utf8(&m) else {
            err += 1;
            continue;
        };
        if load(s) {
            ok += 1
        } else {
            err += 1
        }
    }
    eprintln!(
        "{name}: {} mutations, {ok} loaded, {err} errors, no panic",
        iters()
    );
}

const TEXTS: &[&str] = &["the cat sat on the mat", "the dog ate my homework", "a cat"];

#[test]
fn mutated_tokenizer_json_gives_typed_errors() {
    let mut t = Tokenizer::new();
    t.fit_on_texts(TEXTS).unwrap();
    fuzz("tokenizer.json", &t.to_json(), 0xA5A5_1234, |s| {
        match Tokenizer::from_json(s) {
            // A loaded tokenizer must also be usable on text without panicking.
            Ok(t) => t.texts_to_sequences(TEXTS).is_ok(),
            Err(_) => false,
        }
    });
}

#[test]
fn mutated_vectorization_config_and_vocabulary_give_typed_errors() {
    let mut tv = TextVectorizer::new().max_tokens(20);
    tv.adapt(TEXTS).unwrap();
    let cfg = tv.get_config().to_string();
    fuzz("text_vectorization.json", &cfg, 0x5EED_0001, |s| {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(s) else {
            return false;
        };
        match TextVectorizer::from_config(&v) {
            Ok(tv) => {
                let _ = tv.call(TEXTS);
                true
            }
            Err(_) => false,
        }
    });
    let vocab = tv.get_vocabulary(true).join("\n");
    fuzz("vocabulary.txt", &vocab, 0x5EED_0002, |s| {
        let lines: Vec<&str> = s.lines().collect();
        let mut tv = TextVectorizer::new();
        tv.set_vocabulary(&lines, None).is_ok() && tv.call(TEXTS).is_ok()
    });
}
