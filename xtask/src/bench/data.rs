//! Seeded synthetic data with the shapes of the lecture datasets, so the bench needs no download.
//! The Python peers generate arrays of the same shapes themselves; the text corpus is written to a
//! file by xtask so that every framework tokenizes exactly the same strings.
use kerust_tensor::{IntTensor, Rng, Tensor};

/// fortune500: 502 standardized 100-day price series `[502, 100, 1]` and the 101st day `[502, 1]`.
pub fn fortune500(seed: u64) -> Result<(Tensor, Tensor), String> {
    let (n, t) = (502, 100);
    let mut rng = Rng::seed(seed);
    let mut x = Vec::with_capacity(n * t);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        // A random walk, standardized per stock like the lecture's file.
        let mut walk = Vec::with_capacity(t + 1);
        let mut v = 0.0f32;
        for _ in 0..=t {
            v += 0.1 * rng.normal();
            walk.push(v);
        }
        let mean = walk.iter().sum::<f32>() / walk.len() as f32;
        let sd = (walk.iter().map(|w| (w - mean).powi(2)).sum::<f32>() / walk.len() as f32)
            .sqrt()
            .max(1e-6);
        x.extend(walk[..t].iter().map(|w| (w - mean) / sd));
        y.push((walk[t] - mean) / sd);
    }
    Ok((
        Tensor::from_vec(x, &[n, t, 1]).map_err(|e| e.to_string())?,
        Tensor::from_vec(y, &[n, 1]).map_err(|e| e.to_string())?,
    ))
}

/// Token ids `[n, len]` in `1..vocab`, each row a random length in `min_len..=len` then zero padding
/// at the end (what `TextVectorization(output_sequence_length=len)` produces).
pub fn ids(
    n: usize,
    len: usize,
    vocab: usize,
    min_len: usize,
    rng: &mut Rng,
) -> Result<IntTensor, String> {
    let mut data = vec![0i64; n * len];
    for row in data.chunks_mut(len) {
        let used = min_len.min(len) + rng.below(len - min_len.min(len) + 1);
        for v in row.iter_mut().take(used) {
            *v = 1 + rng.below(vocab - 1) as i64;
        }
    }
    IntTensor::from_vec(data, &[n, len]).map_err(|e| e.to_string())
}

/// Balanced-ish 0/1 labels as floats `[n, 1]` (binary cross-entropy targets).
pub fn binary_labels(n: usize, rng: &mut Rng) -> Result<Tensor, String> {
    let y: Vec<f32> = (0..n).map(|_| (rng.below(100) < 43) as u8 as f32).collect();
    Tensor::from_vec(y, &[n, 1]).map_err(|e| e.to_string())
}

/// Class ids `[n, 1]` in `0..classes` (sparse categorical cross-entropy targets).
pub fn class_labels(n: usize, classes: usize, rng: &mut Rng) -> Result<Tensor, String> {
    let y: Vec<f32> = (0..n).map(|_| rng.below(classes) as f32).collect();
    Tensor::from_vec(y, &[n, 1]).map_err(|e| e.to_string())
}

/// Quora: 20 ids per question, `pad_sequences` default pre-padding with `max_features + 1`.
pub const QUORA_LEN: usize = 20;
pub const QUORA_MAX_FEATURES: usize = 50_000;
const QUORA_WORDS: usize = 6000;

/// Question ids `[n, 20]`: 4..=20 words in `1..6000`, pre-padded with 50001 (as in the lecture).
pub fn quora_ids(n: usize, rng: &mut Rng) -> Result<IntTensor, String> {
    let mut data = vec![(QUORA_MAX_FEATURES + 1) as i64; n * QUORA_LEN];
    for row in data.chunks_mut(QUORA_LEN) {
        let used = 4 + rng.below(QUORA_LEN - 3);
        for v in row[QUORA_LEN - used..].iter_mut() {
            *v = 1 + rng.below(QUORA_WORDS - 1) as i64;
        }
    }
    IntTensor::from_vec(data, &[n, QUORA_LEN]).map_err(|e| e.to_string())
}

/// `n` tweet-like strings: Zipf-distributed words from a 30k-word vocabulary, mixed case,
/// punctuation, hashtags, mentions, links and numbers; 5..=25 words each.
pub fn corpus(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::seed(seed);
    const SYL: [&str; 24] = [
        "ka", "lo", "mi", "ren", "to", "sa", "vel", "qu", "ar", "in", "de", "po", "fi", "gra",
        "ne", "st", "ur", "ba", "che", "ol", "wy", "ex", "an", "is",
    ];
    let vocab: Vec<String> = (0..30_000)
        .map(|i| {
            let mut w = String::new();
            let mut k = i + 1;
            while k > 0 {
                w.push_str(SYL[k % SYL.len()]);
                k /= SYL.len();
            }
            w
        })
        .collect();
    // Zipf(1.0) cumulative weights for inverse-CDF sampling.
    let mut cdf = Vec::with_capacity(vocab.len());
    let mut acc = 0.0f64;
    for r in 0..vocab.len() {
        acc += 1.0 / (r as f64 + 1.0);
        cdf.push(acc);
    }
    let total = acc;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let words = 5 + rng.below(21);
        let mut s = String::new();
        for j in 0..words {
            if j > 0 {
                s.push(' ');
            }
            let roll = rng.below(100);
            let u = rng.uniform(0.0, 1.0) as f64 * total;
            let w = &vocab[cdf.partition_point(|&c| c < u).min(vocab.len() - 1)];
            match roll {
                0..=2 => {
                    s.push('#');
                    s.push_str(w);
                }
                3..=4 => {
                    s.push('@');
                    s.push_str(w);
                }
                5 => s.push_str(&format!("http://t.co/{w}{}", rng.below(1000))),
                6..=8 => s.push_str(&rng.below(2025).to_string()),
                9..=18 => {
                    let mut c = w.chars();
                    if let Some(f) = c.next() {
                        s.extend(f.to_uppercase());
                        s.push_str(c.as_str());
                    }
                }
                _ => s.push_str(w),
            }
            if rng.below(12) == 0 {
                s.push([',', '.', '!', '?', ':'][rng.below(5)]);
            }
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_ranges() {
        let (x, y) = fortune500(1).unwrap();
        assert_eq!((x.shape(), y.shape()), (&[502, 100, 1][..], &[502, 1][..]));
        let mut rng = Rng::seed(2);
        let t = ids(50, 15, 10_000, 5, &mut rng).unwrap();
        assert_eq!(t.shape(), &[50, 15]);
        assert!(t.data().iter().all(|&v| (0..10_000).contains(&v)));
        for row in t.data().chunks(15) {
            assert!(row[..5].iter().all(|&v| v > 0), "at least min_len tokens");
            let first_pad = row.iter().position(|&v| v == 0).unwrap_or(15);
            assert!(
                row[first_pad..].iter().all(|&v| v == 0),
                "padding only at the end"
            );
        }
        let c = class_labels(20, 2, &mut rng).unwrap();
        assert!(c.to_vec().unwrap().iter().all(|&v| v == 0.0 || v == 1.0));
        let q = quora_ids(30, &mut rng).unwrap();
        assert_eq!(q.shape(), &[30, QUORA_LEN]);
        assert!(q
            .data()
            .chunks(QUORA_LEN)
            .all(|r| r[QUORA_LEN - 4..].iter().all(|&v| v < 6000)));
        let b = binary_labels(20, &mut rng).unwrap();
        assert!(b.to_vec().unwrap().iter().all(|&v| v == 0.0 || v == 1.0));
    }

    #[test]
    fn corpus_is_seeded_and_tweet_like() {
        let a = corpus(200, 7);
        assert_eq!(a, corpus(200, 7));
        assert_ne!(a, corpus(200, 8));
        let words: usize = a.iter().map(|s| s.split(' ').count()).sum();
        assert!((5 * 200..=25 * 200).contains(&words));
        assert!(a.iter().all(|s| !s.contains('\n')));
    }
}
