//! Times the issue #4 workloads on the tweets ×20 (first 6851 training tweets repeated 20 times):
//! Tokenizer fit + texts_to_sequences + pad_sequences(maxlen 15), and TextVectorization adapt + call.
//! Run: KERUST_DATA=/work/shared/data cargo run --release -p kerust-text --example text_bench

use kerust_text::bench::{tokenizer_pipeline, vectorization_pipeline};
use std::time::Instant;

fn main() {
    let Ok(dir) = std::env::var("KERUST_DATA") else {
        eprintln!("KERUST_DATA is not set; point it at the shared data folder");
        return;
    };
    let path = std::path::Path::new(&dir).join("nlp_getting_started/train.csv");
    let mut rdr = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return;
        }
    };
    let col = rdr
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|x| x == "text"))
        .unwrap_or(3);
    let base: Vec<String> = rdr
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r[col].to_string())
        .take(6851)
        .collect();
    let texts: Vec<&str> = (0..20)
        .flat_map(|_| base.iter().map(String::as_str))
        .collect();
    println!(
        "{} texts, rayon threads: {}",
        texts.len(),
        rayon::current_num_threads()
    );
    for (name, run) in [
        ("tokenizer fit+texts_to_sequences+pad(15)", 0),
        ("text_vectorization adapt+call(15)", 1),
    ] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let shape = if run == 0 {
                tokenizer_pipeline(&texts, 15).map(|m| m.shape())
            } else {
                vectorization_pipeline(&texts, 15).map(|m| m.shape())
            };
            best = best.min(t.elapsed().as_secs_f64());
            if let Err(e) = shape {
                eprintln!("{name}: {e}");
                return;
            }
        }
        println!("{name}: best of 5 = {:.1} ms", best * 1e3);
    }
}
