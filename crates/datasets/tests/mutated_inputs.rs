//! Property-style fuzzing of the lecture CSV loaders: truncations, bit flips, inserted quotes and
//! newlines, deleted runs and huge numbers applied to small valid files (plain and gzip) must give
//! `Ok` or a typed error — never a panic. Deterministic; `KERUST_DATASETS_FUZZ_ITERS` (default
//! 150 per loader) and `KERUST_DATASETS_FUZZ_SEED` make longer sessions.
use kerust_datasets::{load_yelp_polarity_csv, Fortune500, MnistCsv, Quora, Tweets};
use std::io::Write;
use std::path::Path;

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
        match r.below(6) {
            0 => b.truncate(i),
            1 if i < b.len() => b[i] ^= 1 << r.below(8),
            2 => b.insert(i, b'"'),
            3 => b.insert(i, b'\n'),
            4 => {
                let n = r.below(16).min(b.len() - i);
                b.drain(i..i + n);
            }
            _ => {
                let big: &[u8] = [
                    b"99999999999999999999999".as_slice(),
                    b"-1",
                    b"NaN",
                    b",,,,",
                    b"\xff\xfe",
                ][r.below(5)];
                for (k, &c) in big.iter().enumerate() {
                    b.insert(i + k, c);
                }
            }
        }
    }
    b
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn fuzz(name: &str, valid: &str, load: impl Fn(&Path) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, valid).unwrap();
    assert!(load(&p), "{name}: the unmutated file must load");
    let iters: usize = std::env::var("KERUST_DATASETS_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let seed: u64 = std::env::var("KERUST_DATASETS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x2545_F491);
    let mut r = Rng(seed ^ name.len() as u64 ^ 0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0, 0);
    for i in 0..iters {
        let m = mutate(valid.as_bytes(), &mut r);
        let bytes = if i % 4 == 3 { gzip(&m) } else { m };
        std::fs::write(&p, &bytes).unwrap();
        if load(&p) {
            ok += 1
        } else {
            err += 1
        }
    }
    eprintln!("{name}: {iters} mutations, {ok} loaded, {err} typed errors, no panic");
}

#[test]
fn mutated_lecture_csvs_give_typed_errors_not_panics() {
    let pixels = vec!["0"; 784].join(",");
    let header: Vec<String> = (1..=28)
        .flat_map(|r| (1..=28).map(move |c| format!("{r}x{c}")))
        .collect();
    let mnist = format!("class,{}\n7,{pixels}\n3,{pixels}\n", header.join(","));
    fuzz("mnist.csv", &mnist, |p| MnistCsv::load(p).is_ok());
    fuzz(
        "fortune500.csv",
        "Fortune500,d1,d2,d3\nA,0,1,2\nB,0,1,4\nC,3.5,2,1\n",
        |p| Fortune500::load(p).is_ok(),
    );
    fuzz(
        "quora.csv",
        "id,qid1,qid2,question1,question2,is_duplicate\n0,1,2,\"a, b?\",c?,1\n1,3,4,d,e,0\n",
        |p| Quora::load(p).is_ok(),
    );
    fuzz(
        "tweets.csv",
        "id,keyword,location,text,target\n1,,,\"two\nlines, \"\"quoted\"\"\",1\n2,fire,NYC,plain,0\n",
        |p| Tweets::load(p).is_ok(),
    );
    fuzz(
        "yelp.csv",
        "\"1\",\"Bad.\\nVery \"\"bad\"\".\"\n\"2\",\"Good\"\n",
        |p| load_yelp_polarity_csv(p).is_ok(),
    );
}
