//! Models 6/7: a frozen GloVe feature extractor in place of the notebook's TF-Hub Universal
//! Sentence Encoder (which kerust cannot load), on all and on 10 % of the training data.
use crate::baseline::Baseline;
use crate::common::{section, AnyResult, Report};
use crate::models::{model_6_glove, model_7_glove_10_percent};
use crate::training::{by_key_model, train_and_score, Trained};
use crate::vectorizer::ids_of;
use crate::{Args, Splits, FEATURE_LENGTH, MAX_VOCAB};
use kerust::prelude::*;
use std::path::Path;

/// Models 6 and 7 when `--glove FILE` is given (a printed skip otherwise); each trained model is
/// pushed onto `trained`.
pub fn models_6_and_7(
    args: &Args,
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
    train: (&[String], &[i64]),
    seed: u64,
    trained: &mut Vec<Trained>,
) -> AnyResult<()> {
    // Models 6 and 7: a frozen pretrained feature extractor in place of the USE.
    println!(
        "\nNOTE models 6/7: the notebook uses TF-Hub's Universal Sentence Encoder \
         (hub.KerasLayer, 256,797,824 frozen weights). kerust cannot run it: the USE is a \
         TensorFlow SavedModel graph, not a Keras model, and it cannot be fetched here either. \
         A USE directory is NOT supported. Models 6/7 below are a stand-in — a frozen GloVe \
         average — and their scores are not comparable with the notebook's 81.76 % / 77.03 %."
    );
    report.set(
        "model_6.stand_in",
        "frozen GloVe average (TF-Hub Universal Sentence Encoder not supported)",
    );
    let glove = match &args.glove {
        None => {
            let why =
                "no --glove FILE given (glove.6B.*d.txt); models 6 and 7 need pretrained vectors";
            println!("\nSKIP models 6 and 7: {why}. The notebook's TF-Hub Universal Sentence Encoder cannot be loaded by kerust; they use GloVe instead.");
            report.set("glove", format!("skipped: {why}"));
            None
        }
        Some(p) if !p.exists() => {
            return Err(format!("--glove {}: no such file", p.display()).into());
        }
        Some(p) => Some(p.clone()),
    };
    if let Some(path) = glove {
        section("Models 6/7: frozen GloVe feature extractor (stands in for TF-Hub's USE)");
        // Its own vectorizer reads whole tweets; the vocabulary comes from the training sentences.
        let mut feature_vectorizer = TextVectorization::new()
            .max_tokens(MAX_VOCAB)
            .output_sequence_length(FEATURE_LENGTH)
            .name("feature_vectorizer");
        feature_vectorizer.adapt(&data.train_sentences)?;
        let vocab = feature_vectorizer.get_vocabulary();
        let (matrix, found) = glove_matrix(&path, &vocab)?;
        println!(
            "GloVe {}: {}d; {found} of {} vocabulary words have a vector",
            path.display(),
            matrix.shape()[1],
            vocab.len().saturating_sub(2)
        );
        report.set("glove", path.display().to_string());
        report.set("glove.dim", matrix.shape()[1]);
        report.set("glove.words_found", found);
        // A tweet with no tokens at all would average nothing (NaN, as in Keras): say so.
        let empty = ids_of(
            &feature_vectorizer,
            &data
                .train_sentences
                .iter()
                .chain(&data.val_sentences)
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )?
        .iter()
        .filter(|r| r.iter().all(|&v| v == 0))
        .count();
        if empty > 0 {
            println!("warning: {empty} tweets have no tokens; their average is NaN");
        }

        section("Model 6: GloVe feature extractor, 100 % of the training data");
        set_random_seed(seed);
        let m6 = model_6_glove(&feature_vectorizer, &matrix)?;
        trained.push(train_and_score(
            args,
            report,
            baseline,
            data,
            m6,
            (
                "model_6",
                "glove_feature_extractor",
                "glove_feature_extractor",
                81.758530,
                None,
            ),
            train,
        )?);

        // Frozen means frozen: five epochs of Adam left the GloVe rows as they were.
        let m6 = by_key_model(trained, "model_6")?;
        let after = m6
            .get_layer("glove_embedding")
            .and_then(|l| l.params().first().map(|p| p.value.to_vec()))
            .ok_or("model_6 has no glove_embedding weights")??;
        let unchanged = after == matrix.to_vec()?;
        println!("frozen GloVe embedding unchanged by training: {unchanged}");
        report.set("model_6.embedding_unchanged", unchanged);

        section("Model 7: GloVe feature extractor, 10 % of the training data");
        // The notebook's correct way: split the already split training data again.
        let sub = train_test_split()
            .test_size(0.1)
            .random_state(42)
            .split(train.0.len())?;
        let s10: Vec<String> = sub.test.iter().map(|&i| train.0[i].clone()).collect();
        let l10: Vec<i64> = sub.test.iter().map(|&i| train.1[i]).collect();
        let ones = l10.iter().filter(|&&v| v == 1).count();
        println!("Total training examples: {}", train.0.len());
        println!(
            "Length of 10% training examples: {}   (lecture 686)",
            s10.len()
        );
        println!(
            "value_counts: 0 {}, 1 {ones}   (lecture 0 415, 1 271)",
            l10.len() - ones
        );
        report.set("model_7.n_train", s10.len());
        // clone_model: same architecture, fresh Dense weights, the same frozen extractor.
        set_random_seed(seed);
        let m7 = model_7_glove_10_percent(&feature_vectorizer, &matrix)?;
        trained.push(train_and_score(
            args,
            report,
            baseline,
            data,
            m7,
            (
                "model_7",
                "glove_10_percent_data",
                "10_percent_glove_feature_extractor",
                77.034121,
                None,
            ),
            (&s10, &l10),
        )?);
    }
    Ok(())
}

/// The GloVe matrix for `vocab` (row i = vector of word i, zeros where GloVe has none and for
/// the padding / `[UNK]` rows), and how many words were found.
fn glove_matrix(path: &Path, vocab: &[String]) -> AnyResult<(Tensor, usize)> {
    let glove = GloveVectors::load(path)?;
    let mut m = vec![0f32; MAX_VOCAB * glove.dim];
    let mut found = 0;
    for (i, w) in vocab.iter().enumerate().take(MAX_VOCAB).skip(2) {
        if let Some(v) = glove.get(w) {
            m[i * glove.dim..(i + 1) * glove.dim].copy_from_slice(&v.to_vec());
            found += 1;
        }
    }
    Ok((Tensor::from_vec(m, &[MAX_VOCAB, glove.dim])?, found))
}
