//! Lecture 18, "Detour: Text is a Time Series!": tokenize four sentences with `Tokenizer(num_words=10)`,
//! turn them into padded sequences, and embed them with `Embedding(input_dim=11, output_dim=3)`.
//! Then "1D Convolution Layers": the slide's `np.convolve([0,1,2,1,0], [0.2,0.6,0.2][::-1], 'same')`
//! → `[0.2, 1.0, 1.6, 1.0, 0.2]`, reproduced three ways — the slide's formula
//! `Z_i = b + Σ_v X_{i-(f_w-1)/2+v}·W_v` over the zero-padded `x`, numpy's `convolve` (which flips
//! the kernel, hence the slide's `[::-1]`), and a `Conv1D(1, 3, padding="same", use_bias=False)`
//! whose kernel is set with `set_weights`; plus `padding="valid"` and an asymmetric kernel to show
//! why the slide reverses it.
//!
//! Everything but the embedding values is deterministic and matches the lecture exactly; the
//! embedding weights are random (uniform ±0.05, Keras's default), so only their shape and range match.
//!
//! ```sh
//! cargo run --release --example lecture18_text_intro -- --report text_intro.json
//! ```
mod common;

use clap::Parser;
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Lecture 18: Tokenizer, pad_sequences and Embedding on four sentences")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const SENTENCES: [&str; 4] = [
    "I love Stats so much",
    "I love ML too",
    "I love DS",
    "I love NN",
];

/// Python-style rendering of a `{key: value}` dict.
fn dict<K: std::fmt::Display, V: std::fmt::Display>(
    items: impl Iterator<Item = (K, V)>,
    quote_key: bool,
    quote_value: bool,
) -> String {
    let q = |s: String, on: bool| if on { format!("'{s}'") } else { s };
    let body: Vec<String> = items
        .map(|(k, v)| {
            format!(
                "{}: {}",
                q(k.to_string(), quote_key),
                q(v.to_string(), quote_value)
            )
        })
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("lecture18_text_intro", a);

    section("But we first have to tokenize it");
    let mut tokenizer = Tokenizer::new().num_words(10);
    tokenizer.fit_on_texts(&SENTENCES)?;
    let counts: Vec<String> = tokenizer
        .word_counts()
        .iter()
        .map(|(w, c)| format!("('{w}', {c})"))
        .collect();
    println!("word_counts: OrderedDict([{}])", counts.join(", "));
    println!(
        "word_index:  {}",
        dict(tokenizer.word_index().iter(), true, false)
    );
    println!(
        "index_word:  {}",
        dict(tokenizer.index_word().iter(), false, true)
    );
    report.set(
        "word_index",
        serde_json::to_value(
            tokenizer
                .word_index()
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect::<std::collections::BTreeMap<_, _>>(),
        )?,
    );

    section("Then make it a sequence");
    let text_sequences = tokenizer.texts_to_sequences(&SENTENCES)?;
    println!("texts_to_sequences: {text_sequences:?}");
    report.set("text_sequences", serde_json::to_value(&text_sequences)?);
    let x = pad_sequences(
        &text_sequences,
        PadSequences::new()
            .padding("post")
            .truncating("post")
            .maxlen(4),
    )?;
    println!("pad_sequences(padding='post', truncating='post', maxlen=4):");
    for row in x.rows_iter() {
        println!("  {row:?}");
    }
    let padded = x.to_nested();
    report.set("padded", serde_json::to_value(&padded)?);

    section("Now we can embed it: Embedding(input_dim=10 + 1, output_dim=3)");
    let mut embed = Sequential::new();
    embed.add(Input::new(&[4]).dtype("int32"))?;
    embed.add(Embedding::new(10 + 1, 3))?;
    let ids = IntTensor::from_vec(x.clone().into_vec(), &[4, 4])?;
    let out = embed.predict(&ids)?;
    let values = out.to_vec()?;
    println!("embed_layer([1]) = {:?}", &values[0..3]);
    println!("X_embedded.shape = {:?}", out.shape());
    for (i, sample) in values.chunks(12).enumerate() {
        println!("sample {i}:");
        for step in sample.chunks(3) {
            println!("  {step:?}");
        }
    }
    // Same id → same vector: row 0 of every sample is word 1 ('i'), row 1 word 2 ('love').
    let same = (1..4).all(|i| values[i * 12..i * 12 + 6] == values[0..6]);
    println!("ids 1 and 2 embed identically in all four sentences: {same}");
    let max_abs = values.iter().fold(0f32, |m, v| m.max(v.abs()));
    println!("largest |value| {max_abs:.4} (initialiser: uniform in [-0.05, 0.05])");
    report.set("embedded_shape", out.shape().to_vec());
    report.set("embedding_params", embed.count_params());
    report.set("embedding_shared_rows_equal", same);
    report.set_f("embedding_max_abs", max_abs as f64);

    conv1d_demo(a, &mut report)?;
    report.write(a)
}

/// numpy's `np.convolve(x, w, mode)` for `"same"` and `"valid"`: the kernel is flipped (a true
/// convolution), and "same" keeps the centre `len(x)` values of the full convolution.
fn np_convolve(x: &[f32], w: &[f32], mode: &str) -> Vec<f32> {
    let (n, k) = (x.len(), w.len());
    let full: Vec<f32> = (0..n + k - 1)
        .map(|i| {
            (0..k)
                .filter(|&j| i >= j && i - j < n)
                .map(|j| x[i - j] * w[j])
                .sum()
        })
        .collect();
    match mode {
        "valid" => full[k - 1..n].to_vec(),
        // numpy: "same" starts (k - 1) / 2 into the full result.
        _ => full[(k - 1) / 2..(k - 1) / 2 + n].to_vec(),
    }
}

/// The slide's formula `Z_i = b + Σ_{v=0}^{f_w-1} X_{i-(f_w-1)/2+v}·W_v` with zeros outside `x`.
fn slide_formula(x: &[f32], w: &[f32], b: f32) -> Vec<f32> {
    let half = (w.len() as i64 - 1) / 2;
    (0..x.len() as i64)
        .map(|i| {
            b + w
                .iter()
                .enumerate()
                .map(|(v, &wv)| {
                    let j = i - half + v as i64;
                    if (0..x.len() as i64).contains(&j) {
                        x[j as usize] * wv
                    } else {
                        0.0
                    }
                })
                .sum::<f32>()
        })
        .collect()
}

/// A one-filter `Conv1D(1, len(w), padding, use_bias=False)` on `x` (one sample, one channel) with
/// its kernel set to `w` through `set_weights`.
fn conv1d(x: &[f32], w: &[f32], padding: &str) -> AnyResult<(Vec<f32>, usize)> {
    let mut m = Sequential::new();
    m.add(Input::new(&[x.len(), 1]))?;
    m.add(Conv1D::new(1, w.len()).padding(padding).use_bias(false))?;
    // Keras kernel layout: (kernel_size, in_channels, filters).
    m.set_weights(&[Tensor::from_vec(w.to_vec(), &[w.len(), 1, 1])?])?;
    let out = m.predict(&Tensor::from_vec(x.to_vec(), &[1, x.len(), 1])?)?;
    Ok((out.to_vec()?, m.count_params()))
}

/// Values rounded to 6 decimals for printing (f32 sums like 0.2 + 1.2 + 0.2 print as 1.6000001).
fn rounded(v: &[f32]) -> Vec<f32> {
    v.iter().map(|x| (x * 1e6).round() / 1e6).collect()
}

fn conv1d_demo(a: &CommonArgs, report: &mut Report) -> AnyResult<()> {
    section("1D Convolution Layers: If you got it in 2D...");
    let x = [0.0f32, 1.0, 2.0, 1.0, 0.0];
    let w = [0.2f32, 0.6, 0.2];
    let w_rev: Vec<f32> = w.iter().rev().copied().collect();
    println!("x (zero-padded as on the slide's sheet) = [0, {}, 0]", {
        let s: Vec<String> = x.iter().map(|v| format!("{v}")).collect();
        s.join(", ")
    });
    println!("w = {w:?}");
    let formula = slide_formula(&x, &w, 0.0);
    println!(
        "Z_i = b + sum_v X[i - (f_w-1)/2 + v] * W[v]  (b = 0):  {:?}",
        rounded(&formula)
    );
    let numpy = np_convolve(&x, &w_rev, "same");
    println!(
        "np.convolve([0,1,2,1,0], [0.2,0.6,0.2][::-1], 'same') = {:?}   (lecture: array([0.2, 1. , 1.6, 1. , 0.2]))",
        rounded(&numpy)
    );
    let (same, params) = conv1d(&x, &w, "same")?;
    println!(
        "Conv1D(filters=1, kernel_size=3, padding='same', use_bias=False), kernel set to {w:?}: {:?}  ({params} params)",
        rounded(&same)
    );
    let (valid, _) = conv1d(&x, &w, "valid")?;
    println!(
        "the same kernel with padding='valid' (no zeros added, 5 - 3 + 1 = 3 outputs): {:?}   np.convolve(..., 'valid') = {:?}",
        rounded(&valid),
        rounded(&np_convolve(&x, &w_rev, "valid"))
    );
    // Why the slide writes [::-1]: Conv1D slides the kernel as it is (cross-correlation), numpy
    // flips it. With a symmetric kernel the two agree; with an asymmetric one only the reversed does.
    let skew = [0.1f32, 0.6, 0.3];
    let skew_rev: Vec<f32> = skew.iter().rev().copied().collect();
    let (conv_skew, _) = conv1d(&x, &skew, "same")?;
    let np_skew = np_convolve(&x, &skew, "same");
    let np_skew_rev = np_convolve(&x, &skew_rev, "same");
    println!("asymmetric kernel {skew:?}:");
    println!("  Conv1D                      {:?}", rounded(&conv_skew));
    println!("  np.convolve(x, w[::-1])     {:?}", rounded(&np_skew_rev));
    println!(
        "  np.convolve(x, w)           {:?}  (flipped: not what Conv1D computes)",
        rounded(&np_skew)
    );
    let agree = |p: &[f32], q: &[f32]| p.iter().zip(q).all(|(u, v)| (u - v).abs() < 1e-6);
    let all_agree =
        agree(&same, &numpy) && agree(&same, &formula) && agree(&conv_skew, &np_skew_rev);
    println!("Conv1D = np.convolve(x, w[::-1]) = slide formula: {all_agree}");

    report.set_list("conv1d.x", &x);
    report.set_list("conv1d.w", &w);
    report.set_list("conv1d.formula", &formula);
    report.set_list("conv1d.np_convolve_same", &numpy);
    report.set_list("conv1d.same", &same);
    report.set_list("conv1d.valid", &valid);
    report.set("conv1d.params", params);
    report.set_list("conv1d.asymmetric_w", &skew);
    report.set_list("conv1d.asymmetric_conv1d", &conv_skew);
    report.set_list("conv1d.asymmetric_np_convolve_reversed", &np_skew_rev);
    report.set_list("conv1d.asymmetric_np_convolve", &np_skew);
    report.set("conv1d.all_agree", all_agree);

    let steps: Vec<f32> = x.to_vec();
    save_plot(a, "conv1d_same.png", |p| {
        plot::lines(
            p,
            "Conv1D(1, 3, padding='same'), kernel [0.2, 0.6, 0.2]",
            "i",
            "value",
            &[("x", &steps), ("Conv1D(x)", &same)],
        )
    })
}
