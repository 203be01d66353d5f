//! The notebook's looks at the data and at single layers: `train_df.head()`, the shuffled head,
//! `test_df.head()`, `value_counts()`, the sample counts, five random training tweets, the
//! `sample_embed` of a random sentence and the Conv1D / GlobalMaxPool1D shape demo.
use crate::common::{section, AnyResult, CommonArgs, Report};
use crate::vectorizer::ids_of;
use crate::{MAX_LENGTH, MAX_VOCAB};
use kerust::datasets::RandomState;
use kerust::prelude::*;

/// pandas shows at most 50 characters of a cell in these tables; the notebook's are cut near 46.
fn cell(s: &str, width: usize) -> String {
    if s.is_empty() {
        return "NaN".into();
    }
    let cut: String = s.chars().take(width).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// `df.head()` of the rows `order[..5]`, with the target column when there is one.
fn head(df: &Tweets, order: &[usize]) {
    println!(
        "{:>6} {:>6}  {:<14} {:<14} {:<48} target",
        "", "id", "keyword", "location", "text"
    );
    for &i in order.iter().take(5) {
        let target = df
            .target
            .as_ref()
            .map(|t| t[i].to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "{i:>6} {:>6}  {:<14} {:<14} {:<48} {target}",
            df.id[i],
            cell(&df.keyword[i], 12),
            cell(&df.location[i], 12),
            cell(&df.text[i].replace('\n', " "), 46)
        );
    }
}

/// "Visualizing a text dataset": the heads, class balance, sample counts and random tweets.
pub fn explore(
    a: &CommonArgs,
    report: &mut Report,
    train_df: &Tweets,
    order: &[usize],
) -> AnyResult<()> {
    section("Visualizing a text dataset");
    println!("train_df.head()   (lecture ids 1, 4, 5, 6, 7, all target 1)");
    let first: Vec<usize> = (0..train_df.len()).collect();
    head(train_df, &first);
    report.set(
        "train_head.id",
        first
            .iter()
            .take(5)
            .map(|&i| train_df.id[i])
            .collect::<Vec<_>>(),
    );
    println!(
        "\ntrain_df_shuffled.head()   (lecture ids 3796, 3185, 7769, …; index 2644, 2227, 5448, …)"
    );
    head(train_df, order);
    report.set(
        "shuffled_head.index",
        order.iter().take(5).copied().collect::<Vec<_>>(),
    );
    report.set(
        "shuffled_head.id",
        order
            .iter()
            .take(5)
            .map(|&i| train_df.id[i])
            .collect::<Vec<_>>(),
    );

    let test_path = a
        .data_dir()
        .map(|d| d.join("nlp_getting_started/test.csv"))
        .filter(|p| p.exists());
    let n_test = match &test_path {
        Some(p) => {
            let test_df = Tweets::load(p)?;
            println!("\ntest_df.head()   (lecture ids 0, 2, 3, 9, 11; no target column)");
            head(&test_df, &(0..test_df.len()).collect::<Vec<_>>());
            report.set(
                "test_head.id",
                test_df.id.iter().take(5).copied().collect::<Vec<_>>(),
            );
            Some(test_df.len())
        }
        None => {
            println!("\n(test.csv not found next to train.csv: no test_df.head())");
            None
        }
    };

    let target = train_df.target.as_ref().ok_or("train.csv has no target")?;
    let ones = target.iter().filter(|&&t| t == 1).count();
    let zeros = target.len() - ones;
    println!("\ntrain_df.target.value_counts()\n0    {zeros}\n1    {ones}");
    println!(
        "({:.1} % negative, {:.1} % positive; the notebook: \"about 60 % … and 40 %\")",
        100.0 * zeros as f64 / target.len() as f64,
        100.0 * ones as f64 / target.len() as f64
    );
    report.set("value_counts.0", zeros);
    report.set("value_counts.1", ones);
    println!("\nTotal training samples: {}", train_df.len());
    report.set("total_training_samples", train_df.len());
    if let Some(n) = n_test {
        println!("Total test samples: {n}");
        println!("Total samples: {}", train_df.len() + n);
        report.set("total_test_samples", n);
        report.set("total_samples", train_df.len() + n);
    }
    println!("(lecture: 7613 / 3263 / 10876)");

    // random.randint(0, len(train_df)-5): Python's `random` is unseeded in the notebook, so
    // these five are another draw than its; --seed picks ours (numpy's RandomState).
    let random_index = RandomState::new(a.seed as u32)
        .permutation(train_df.len().saturating_sub(4).max(1))
        .first()
        .copied()
        .unwrap_or(0);
    println!("\nrandom_index = {random_index}; train_df_shuffled[random_index:random_index+5]:");
    let mut shown = Vec::new();
    for &i in order.iter().skip(random_index).take(5) {
        let t = target[i];
        println!(
            "Target: {t} {}\nText:\n{}\n\n---\n",
            if t > 0 {
                "(real disaster)"
            } else {
                "(not real disaster)"
            },
            train_df.text[i]
        );
        shown.push(train_df.id[i]);
    }
    report.set("random_samples.index", random_index);
    report.set("random_samples.id", shown);
    Ok(())
}

/// "Creating an Embedding using an Embedding Layer" and the Conv1D demo before model 5: one
/// `Embedding(10000, 128, input_length=15)` applied to vectorized sentences, then a
/// `Conv1D(32, 5, relu)` and a `GlobalMaxPool1D` on its output.
pub fn layer_demos(
    report: &mut Report,
    text_vectorizer: &TextVectorization,
    train_sentences: &[String],
    seed: u64,
) -> AnyResult<()> {
    section("Creating an Embedding using an Embedding Layer");
    let mut embedding = Sequential::new();
    embedding.add(Input::new(&[MAX_LENGTH]).dtype("int32"))?;
    embedding.add(
        Embedding::new(MAX_VOCAB, 128)
            .embeddings_initializer("uniform")
            .input_length(MAX_LENGTH),
    )?;
    let mut embed = |sentence: &str| -> AnyResult<Tensor> {
        let ids = ids_of(text_vectorizer, &[sentence])?.remove(0);
        Ok(embedding.predict(&IntTensor::from_vec(ids, &[1, MAX_LENGTH])?)?)
    };
    // random.choice(train_sentences): the notebook's pick is unseeded; ours follows --seed.
    let pick =
        RandomState::new(seed as u32 ^ 0x5eed).choice_without_replacement(train_sentences, 1);
    let random_sentence = pick[0].as_str();
    let sample_embed = embed(random_sentence)?;
    let values = sample_embed.to_vec()?;
    println!("Original text:\n{random_sentence}\n\nEmbedded version:");
    println!(
        "shape={:?}, first token [{:.8}, {:.8}, {:.8}, …, {:.8}]   (lecture shape=(1, 15, 128))",
        sample_embed.shape(),
        values[0],
        values[1],
        values[2],
        values[127]
    );
    println!(
        "sample_embed[0][0].shape = ({},)   (lecture (128,))",
        values[..128].len()
    );
    report.set("sample_embed.shape", sample_embed.shape().to_vec());
    report.set("sample_embed.token_shape", vec![128]);
    report.set("sample_embed.sentence", random_sentence);

    section("Model 5 prelude: Conv1D and GlobalMaxPool1D on \"this is a test sentence\"");
    let embedding_test = embed("this is a test sentence")?;
    let mut conv = Sequential::new();
    conv.add(Input::new(&[MAX_LENGTH, 128]))?;
    conv.add(Conv1D::new(32, 5).activation("relu"))?;
    let conv_1d_output = conv.predict(&embedding_test)?;
    let mut pool = Sequential::new();
    pool.add(Input::new(&[MAX_LENGTH - 4, 32]))?;
    pool.add(GlobalMaxPool1D::new())?;
    let max_pool_output = pool.predict(&conv_1d_output)?;
    println!(
        "embedding_test.shape, conv_1d_output.shape, max_pool_output.shape = {:?}, {:?}, {:?}",
        embedding_test.shape(),
        conv_1d_output.shape(),
        max_pool_output.shape()
    );
    println!(
        "(lecture: (TensorShape([1, 15, 128]), TensorShape([1, 11, 32]), TensorShape([1, 32])))"
    );
    // The max over time is the largest value of each filter across the 11 positions.
    let conv_v = conv_1d_output.to_vec()?;
    let pool_v = max_pool_output.to_vec()?;
    let is_max = (0..32).all(|f| {
        let m = (0..11).map(|t| conv_v[t * 32 + f]).fold(f32::MIN, f32::max);
        m == pool_v[f]
    });
    println!("max_pool_output[f] == max over time of conv_1d_output[:, :, f] for all 32 filters: {is_max}");
    report.set(
        "conv1d_demo.shapes",
        serde_json::json!([
            embedding_test.shape(),
            conv_1d_output.shape(),
            max_pool_output.shape()
        ]),
    );
    report.set("conv1d_demo.max_pool_is_time_max", is_max);
    Ok(())
}
