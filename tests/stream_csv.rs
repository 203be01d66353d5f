//! Issue 19 item 2: the ready CSV source. A Yelp-format CSV read lazily by `LazyCsv`, a Tokenizer
//! fitted from an iterator and `TextCsvDataset` tokenizing batches on the fly (2 workers) train a
//! model to the weights the in-memory path (load, fit_on_texts, pad_sequences, fit with shuffle
//! off) reaches, bit for bit.
use kerust::datasets::lazy_csv::StringRecord;
use kerust::datasets::{load_yelp_polarity_csv, parse_yelp_record, DatasetsError};
use kerust::prelude::*;
use std::path::Path;
use std::sync::Arc;

fn parse(p: &Path, line: u64, r: &StringRecord) -> Result<(f32, String), DatasetsError> {
    parse_yelp_record(p, line, r).map(|(l, t)| (l as f32, t))
}

fn model() -> Sequential {
    set_random_seed(4);
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32")).unwrap();
    m.add(Embedding::new(21, 4)).unwrap();
    m.add(SimpleRNN::new(3)).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile("adam", "binary_crossentropy", &["accuracy"])
        .unwrap();
    m
}

#[test]
fn streamed_csv_trains_like_the_loaded_csv() {
    let dir = std::env::temp_dir().join(format!("kerust_stream_csv_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("train.csv");
    let words = [
        "good", "bad", "food", "slow", "great", "rude", "nice", "cold", "the", "a",
    ];
    let mut body = String::new();
    for i in 0..47 {
        let n = 3 + i % 9;
        let text: Vec<&str> = (0..n)
            .map(|j| words[(i * 7 + j * 3) % words.len()])
            .collect();
        body.push_str(&format!(
            "\"{}\",\"{}\\n{}, \"\"ok\"\"\"\n",
            1 + i % 2,
            text[..n / 2].join(" "),
            text[n / 2..].join(" ")
        ));
    }
    std::fs::write(&path, body).unwrap();
    let pad = PadSequences::new()
        .padding("post")
        .truncating("post")
        .maxlen(6);

    // In memory.
    let loaded = load_yelp_polarity_csv(&path).unwrap();
    let mut tok = Tokenizer::new().num_words(20);
    tok.fit_on_texts(&loaded.texts).unwrap();
    let ids = pad_sequences(&tok.texts_to_sequences(&loaded.texts).unwrap(), pad.clone()).unwrap();
    let (r, c) = ids.shape();
    let x = IntTensor::from_vec(ids.into_vec(), &[r, c]).unwrap();
    let y = Tensor::from_vec(loaded.labels.iter().map(|&l| l as f32).collect(), &[r, 1]).unwrap();
    let mut a = model();
    a.fit(
        &x,
        &y,
        FitArgs::new()
            .batch_size(5)
            .epochs(2)
            .shuffle(false)
            .verbose(0),
    )
    .unwrap();

    // Streamed.
    let csv = LazyCsv::open(&path, false, 5).unwrap();
    assert_eq!((csv.rows(), csv.len()), (47, 10));
    let mut streamed = Tokenizer::new().num_words(20);
    streamed
        .fit_on_texts_iter(
            TextCsvDataset::texts_of(&csv, parse)
                .unwrap()
                .map(|r| r.unwrap().1),
        )
        .unwrap();
    assert_eq!(streamed.word_index(), tok.word_index());
    let mut ds = TextCsvDataset::with_tokenizer(csv, parse, Arc::new(streamed), pad)
        .workers(2)
        .max_queue_size(3);
    let mut b = model();
    b.fit_dataset(&mut ds, FitArgs::new().epochs(2).shuffle(false).verbose(0))
        .unwrap();
    for (wa, wb) in a.get_weights().iter().zip(b.get_weights()) {
        assert_eq!(wa.to_vec().unwrap(), wb.to_vec().unwrap());
    }
    // The last tenth as a validation range, and the per-word targets of the lecture's MLP.
    let tail = ds.clone().batches(9..20).label_steps(6);
    assert_eq!(tail.len(), 1);
    let batch = tail.get(0).unwrap();
    assert_eq!(batch.x[0].shape(), vec![2, 6]);
    assert_eq!(batch.y[0].shape(), vec![2, 6, 1]);
    // A bad label is an error naming the file and line.
    std::fs::write(&path, "\"1\",\"a\"\n\"7\",\"b\"\n").unwrap();
    let csv = LazyCsv::open(&path, false, 2).unwrap();
    let ds =
        TextCsvDataset::with_tokenizer(csv, parse, Arc::new(tok), PadSequences::new().maxlen(3));
    let e = ds.get(0).unwrap_err().to_string();
    assert!(e.contains("train.csv:2") && e.contains("\"7\""), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
