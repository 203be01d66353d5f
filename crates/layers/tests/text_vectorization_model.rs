//! The tweets-notebook pattern: a model that takes raw strings (Input dtype "string" →
//! TextVectorization → Embedding → GlobalAveragePooling1D → Dense), trained with fit on strings,
//! and one adapted TextVectorization reused by two models.
use kerust_layers::*;
use kerust_tensor::Tensor;

const GOOD: [&str; 5] = ["great", "good", "happy", "love", "fine"];
const BAD: [&str; 5] = ["awful", "bad", "sad", "hate", "fire"];
const FILL: [&str; 4] = ["the day", "this movie", "a night", "my friend"];

/// 40 tiny sentences: label 1 holds a "good" word, label 0 a "bad" one.
fn sentences() -> (Vec<String>, Tensor) {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for i in 0..20 {
        let f = FILL[i % FILL.len()];
        texts.push(format!("{f} was {}", GOOD[i % GOOD.len()]));
        labels.push(1.0);
        texts.push(format!("{} {f}", BAD[(i * 3) % BAD.len()]));
        labels.push(0.0);
    }
    let n = labels.len();
    (texts, Tensor::from_vec(labels, &[n, 1]).unwrap())
}

fn string_model(tv: &TextVectorization, seed: u64) -> Model {
    set_random_seed(seed);
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.clone().apply(&inputs).unwrap();
    assert_eq!(x.shape(), &vec![None, Some(6)]);
    let x = Embedding::new(tv.vocabulary_size(), 8).apply(&x).unwrap();
    let x = GlobalAveragePooling1D::new().apply(&x).unwrap();
    let out = Dense::new(1).activation("sigmoid").apply(&x).unwrap();
    Model::new(&[&inputs], &[&out])
        .unwrap()
        .name("model_1_dense")
}

#[test]
fn a_string_model_trains_predicts_and_shares_its_vectorizer() {
    let (texts, labels) = sentences();
    let mut tv = TextVectorization::new()
        .max_tokens(100)
        .output_sequence_length(6);
    tv.adapt(&texts).unwrap();
    let mut model = string_model(&tv, 42);
    let summary = model.summary_string();
    assert!(summary.contains("(None, 6)"), "{summary}");
    // Keras 2's 29-column cell wraps the class name: `text_vectorization (TextVe` / `ctorization)`.
    let row = summary
        .lines()
        .find(|l| l.starts_with(" text_vectorization"))
        .unwrap();
    assert!(
        row.contains("(None, 6)") && row.trim_end().ends_with(" 0"),
        "{summary}"
    );
    assert_eq!(model.count_params(), tv.vocabulary_size() * 8 + 9);

    model
        .compile(
            Adam::new().learning_rate(0.05),
            "binary_crossentropy",
            &["accuracy"],
        )
        .unwrap();
    let h = model
        .fit(
            &texts,
            &labels,
            FitArgs::new().epochs(8).batch_size(8).verbose(0),
        )
        .unwrap();
    let loss = h.get("loss").unwrap();
    assert!(loss.last().unwrap() < &(loss[0] * 0.8), "{loss:?}");
    let logs = model.evaluate(&texts, &labels, 16).unwrap();
    assert!(logs.get("accuracy").unwrap() > 0.9, "{logs:?}");

    // New strings, including words never seen (→ [UNK] = 1).
    let p = model
        .predict(["what a great day", "zebra quokka bad"])
        .unwrap();
    assert_eq!(p.shape(), [2, 1]);
    let p = p.to_vec().unwrap();
    assert!(p[0] > 0.5 && p[1] < 0.5, "{p:?}");
    let Data::Int(ids) = tv.call_texts(&["zebra quokka bad"]).unwrap() else {
        panic!("int mode")
    };
    assert_eq!(&ids.data()[..2], [1, 1]);

    // The same adapted vectorizer in a second model, like model_2 of the notebook.
    let mut model_2 = string_model(&tv, 7);
    let p2 = model_2.predict(["the day was great"]).unwrap();
    assert_eq!(p2.shape(), [1, 1]);
    // Strings where ids are expected, and ids where strings are expected, are typed errors.
    let ids = kerust_tensor::IntTensor::from_vec(vec![1, 2], &[2, 1]).unwrap();
    let e = model_2.predict(ids).unwrap_err().to_string();
    assert!(e.contains("Text") || e.contains("string"), "{e}");
}

#[test]
fn an_unadapted_vectorizer_says_to_call_adapt_first() {
    let tv = TextVectorization::new().output_sequence_length(6);
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.clone().apply(&inputs).unwrap();
    let x = Embedding::new(10, 2).apply(&x).unwrap();
    let x = GlobalAveragePooling1D::new().apply(&x).unwrap();
    let mut m = Model::new(&[&inputs], &[&x]).unwrap();
    let e = m.predict(["hello"]).unwrap_err().to_string();
    assert!(e.contains("call adapt() first"), "{e}");
    // Two strings per sample cannot be vectorized.
    let wide = Input::new(&[2]).dtype("string").tensor();
    let e = tv.apply(&wide).unwrap_err().to_string();
    assert!(e.contains("(None, 2)"), "{e}");
}
