//! Lecture 18 (TAU Applications of Data Science, class 18), "Simple RNN": predict the 101st day of
//! 502 Fortune-500 stocks from the previous 100 days.
//!
//! 1. the two baselines (mean, last day);
//! 2. the lecture's hand-written single-neuron RNN (f64, full batch, 1000 epochs, α = 0.01) —
//!    deterministic, so it prints the lecture's numbers;
//! 3. Keras `SimpleRNN(1)` with Adam(0.01), mse, 50 epochs;
//! 4. the stacked `SimpleRNN(10, return_sequences) → SimpleRNN(5, return_sequences) → SimpleRNN(1)`, 30 epochs.
//!
//! ```sh
//! cargo run --release --example lecture18_fortune500 -- --data ../shared/data --out plots --report f500.json
//! ```
mod common;

use clap::Parser;
use common::{mse, plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;
use ndarray::{Array1, Array2};

#[derive(Parser)]
#[command(about = "Lecture 18: single-neuron RNN and Keras SimpleRNN on fortune500_100_days.csv")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

// The lecture's own results (001, the later edition, where the two differ).
const LECTURE_MEAN_MSE: f64 = 0.3516210190443937;
const LECTURE_LAST_MSE: f64 = 0.033289150367058463;
const LECTURE_W: [f64; 3] = [-0.07161043, 1.15476269, 0.25800392];
const LECTURE_SINGLE_MSE: f64 = 0.03900926352398098;
const LECTURE_KERAS_MSE: f64 = 0.0437715170171821;
const LECTURE_STACKED_MSE: f64 = 0.027710174771783818;

/// The lecture's `forward`: ŷ_t = tanh(w0 + x_t·w1 + ŷ_{t-1}·w2), returning all ŷ (N × (T+1)) and the MSE.
fn forward(x: &Array2<f64>, y: &Array1<f64>, w: &[f64; 3]) -> (Array2<f64>, f64) {
    let (n, t) = x.dim();
    let mut y_pred_arr = Array2::<f64>::zeros((n, t + 1));
    for i in 0..n {
        let mut y_pred = 0.0;
        for s in 0..t {
            y_pred = (w[0] + x[[i, s]] * w[1] + y_pred * w[2]).tanh();
            y_pred_arr[[i, s + 1]] = y_pred;
        }
    }
    let l = (0..n)
        .map(|i| (y[i] - y_pred_arr[[i, t]]).powi(2))
        .sum::<f64>()
        / n as f64;
    (y_pred_arr, l)
}

/// The lecture's `backward` (with `backward_t`): the gradient of the MSE with respect to w,
/// accumulated forward in time exactly as the notebook does.
fn backward(x: &Array2<f64>, y: &Array1<f64>, y_pred_arr: &Array2<f64>, w: &[f64; 3]) -> [f64; 3] {
    let (n, t) = x.dim();
    let mut final_grads = [0.0f64; 3];
    for i in 0..n {
        let mut g = [0.0f64; 3];
        for s in 0..t {
            let y_t = y_pred_arr[[i, s]];
            g = if s == 0 {
                [1.0, x[[i, s]], y_t]
            } else {
                let dot_dyprev = w[2];
                let dyprev_doprev = 1.0 - y_t * y_t;
                [
                    1.0 + dot_dyprev * dyprev_doprev * g[0],
                    x[[i, s]] + dot_dyprev * dyprev_doprev * g[1],
                    y_t + dot_dyprev * dyprev_doprev * g[2],
                ]
            };
        }
        let y_pred = y_pred_arr[[i, t]];
        let dl_dypred = -2.0 * (y[i] - y_pred) / n as f64;
        let dypred_dot = 1.0 - y_pred * y_pred;
        for j in 0..3 {
            final_grads[j] += g[j] * dl_dypred * dypred_dot;
        }
    }
    final_grads
}

/// The lecture's `single_rnn`: w = [1, 1, 1], plain gradient descent, full batch.
fn single_rnn(x: &Array2<f64>, y: &Array1<f64>, epochs: usize, alpha: f64) -> (Vec<f64>, [f64; 3]) {
    let mut w = [1.0f64, 1.0, 1.0];
    let mut ls = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let (y_pred_arr, l) = forward(x, y, &w);
        let grad = backward(x, y, &y_pred_arr, &w);
        for j in 0..3 {
            w[j] -= alpha * grad[j];
        }
        ls.push(l);
    }
    (ls, w)
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    let Some(path) = a.data_file("lecture18_fortune500", "fortune500_100_days.csv") else {
        return Ok(());
    };
    set_random_seed(a.seed);
    let mut report = Report::new("lecture18_fortune500", a);
    let df = Fortune500::load(&path)?;
    let days = df.prices.ncols();
    let x64 = df.prices.slice(ndarray::s![.., ..days - 1]).to_owned();
    let y64 = df.prices.column(days - 1).to_owned();
    let (n, t) = x64.dim();
    println!("{} stocks × {} days (+ the day to predict)", n, t);
    report.set("n_stocks", n);
    report.set("n_days", t);

    if let Some(goog) = df.names.iter().position(|s| s == "GOOG") {
        let row: Vec<f32> = x64.row(goog).iter().map(|&v| v as f32).collect();
        save_plot(a, "goog_series.png", |p| {
            plot::series_with_target(p, "GOOG: 100 days, and tomorrow?", &row, y64[goog] as f32)
        })?;
    }

    // The Fortune500 Stocks slide: `plot_series(X[1, :], 100, y[1], y_label="MMM")`. Row 1 of the
    // file is AOS (MMM is row 0); the plot is of X[1, :], labelled as the lecture labels it.
    if n > 1 {
        let row: Vec<f32> = x64.row(1).iter().map(|&v| v as f32).collect();
        println!(
            "plot_series(X[1, :], 100, y[1], y_label=\"MMM\"): row 1 is {} (row 0 is {}); \
             day 100 {:.6}, day 101 (y[1]) {:.6}",
            df.names[1],
            df.names[0],
            row[t - 1],
            y64[1]
        );
        report.set("mmm_series.row", 1);
        report.set("mmm_series.ticker", df.names[1].clone());
        report.set_f("mmm_series.day_100", row[t - 1] as f64);
        report.set_f("mmm_series.y", y64[1]);
        save_plot(a, "mmm_series.png", |p| {
            plot::series_with_target(
                p,
                &format!(
                    "X[1, :] (y_label \"MMM\" as in the lecture; row 1 is {})",
                    df.names[1]
                ),
                &row,
                y64[1] as f32,
            )
        })?;
    }

    section("What would be a good MSE?");
    let mean_mse = df.mean_baseline_mse();
    let last_mse = df.last_value_baseline_mse();
    println!("np.mean((y - y.mean())**2)  = {mean_mse}   (lecture {LECTURE_MEAN_MSE})");
    println!("np.mean((y - X[:, -1])**2)  = {last_mse}   (lecture {LECTURE_LAST_MSE})");
    report.set_f("baselines.mean_mse", mean_mse);
    report.set_f("baselines.last_value_mse", last_mse);

    section("Training with our neuron (single_rnn, 1000 epochs, alpha 0.01)");
    let started = std::time::Instant::now();
    let (mses, w) = single_rnn(&x64, &y64, 1000, 0.01);
    let (y_pred_arr, single_mse) = forward(&x64, &y64, &w);
    println!(
        "w   = [{:.8} {:.8} {:.8}]   (lecture {LECTURE_W:?})",
        w[0], w[1], w[2]
    );
    println!("mse = {single_mse}   (lecture {LECTURE_SINGLE_MSE})");
    println!("({:.2}s)", started.elapsed().as_secs_f64());
    report.set("single_neuron.w", w.to_vec());
    report.set_f("single_neuron.mse", single_mse);
    report.set_f("single_neuron.seconds", started.elapsed().as_secs_f64());
    let mses32: Vec<f32> = mses.iter().map(|&v| v as f32).collect();
    let y32: Vec<f32> = y64.iter().map(|&v| v as f32).collect();
    let single_pred: Vec<f32> = y_pred_arr.column(t).iter().map(|&v| v as f32).collect();
    save_plot(a, "single_neuron_loss.png", |p| {
        plot::lines(
            p,
            "Single-neuron RNN",
            "Epoch",
            "MSE-Loss",
            &[("", &mses32)],
        )
    })?;
    save_plot(a, "single_neuron_scatter.png", |p| {
        plot::scatter(
            p,
            "Single-neuron RNN",
            "y_true",
            "y_pred",
            &y32,
            &single_pred,
        )
    })?;

    // Keras part: X[:, :, np.newaxis], y[:, np.newaxis].
    let x = Tensor::from_vec(df.x().iter().copied().collect(), &[n, t, 1])?;
    let y = Tensor::from_vec(df.y().to_vec(), &[n, 1])?;
    println!("\nX.shape = {:?}, y.shape = {:?}", x.shape(), y.shape());

    section("Finally, Keras: SimpleRNN(1), Adam(lr=0.01), mse, 50 epochs");
    let mut model = Sequential::new();
    model.add(SimpleRNN::new(1).input_shape(&[None, Some(1)]))?;
    model.compile(Adam::new().learning_rate(0.01), "mse", &[])?;
    // --quick keeps enough epochs to beat the mean predictor (tests/examples_quick.rs checks it).
    let epochs = a.epochs(50, 20);
    let started = std::time::Instant::now();
    let history = model.fit(&x, &y, FitArgs::new().epochs(epochs).verbose(0))?;
    let secs = started.elapsed().as_secs_f64();
    let wts = model.get_weights();
    println!(
        "bias {:?} kernel {:?} recurrent_kernel {:?}   (lecture [-0.05025314] [[0.89638436]] [[0.4493832]])",
        wts[2].to_vec()?,
        wts[0].to_vec()?,
        wts[1].to_vec()?
    );
    let y_pred = model.predict(&x)?.to_vec()?;
    let keras_mse = mse(&y32, &y_pred);
    println!("mse = {keras_mse}   (lecture {LECTURE_KERAS_MSE})   [{epochs} epochs, {secs:.2}s]");
    report.set_f("simple_rnn.mse", keras_mse);
    report.set("simple_rnn.epochs", epochs);
    report.set("simple_rnn.params", model.count_params());
    report.set_f("simple_rnn.seconds", secs);
    let loss = history.get("loss").unwrap_or(&[]).to_vec();
    report.set_list("simple_rnn.loss", &loss);
    save_plot(a, "simple_rnn_loss.png", |p| {
        plot::lines(
            p,
            "Keras SimpleRNN(1)",
            "Epoch",
            "loss (mse)",
            &[("", &loss)],
        )
    })?;
    save_plot(a, "simple_rnn_scatter.png", |p| {
        plot::scatter(p, "Keras SimpleRNN(1)", "y_true", "y_pred", &y32, &y_pred)
    })?;

    section("Add layers: SimpleRNN 10 → 5 → 1, Adam(lr=0.01), mse, 30 epochs");
    let mut stacked = Sequential::new();
    stacked.add(
        SimpleRNN::new(10)
            .return_sequences(true)
            .input_shape(&[None, Some(1)]),
    )?;
    stacked.add(SimpleRNN::new(5).return_sequences(true))?;
    stacked.add(SimpleRNN::new(1))?;
    stacked.compile(Adam::new().learning_rate(0.01), "mse", &[])?;
    stacked.summary();
    let epochs = a.epochs(30, 2);
    let started = std::time::Instant::now();
    let history = stacked.fit(&x, &y, FitArgs::new().epochs(epochs).verbose(0))?;
    let secs = started.elapsed().as_secs_f64();
    let y_pred = stacked.predict(&x)?.to_vec()?;
    let stacked_mse = mse(&y32, &y_pred);
    println!(
        "mse = {stacked_mse}   (lecture {LECTURE_STACKED_MSE}; 2021 edition 0.026836454381774174)   [{epochs} epochs, {secs:.2}s]"
    );
    report.set_f("stacked.mse", stacked_mse);
    report.set("stacked.epochs", epochs);
    report.set("stacked.params", stacked.count_params());
    report.set_f("stacked.seconds", secs);
    let loss = history.get("loss").unwrap_or(&[]).to_vec();
    report.set_list("stacked.loss", &loss);
    save_plot(a, "stacked_loss.png", |p| {
        plot::lines(p, "SimpleRNN 10/5/1", "Epoch", "loss (mse)", &[("", &loss)])
    })?;
    save_plot(a, "stacked_scatter.png", |p| {
        plot::scatter(p, "SimpleRNN 10/5/1", "y_true", "y_pred", &y32, &y_pred)
    })?;

    section("Summary");
    println!("model                 MSE        lecture");
    println!("mean baseline         {mean_mse:.5}    {LECTURE_MEAN_MSE:.5}");
    println!("last-day baseline     {last_mse:.5}    {LECTURE_LAST_MSE:.5}");
    println!("single neuron         {single_mse:.5}    {LECTURE_SINGLE_MSE:.5}");
    println!("Keras SimpleRNN(1)    {keras_mse:.5}    {LECTURE_KERAS_MSE:.5}");
    println!("SimpleRNN 10/5/1      {stacked_mse:.5}    {LECTURE_STACKED_MSE:.5}");
    save_plot(a, "mse_comparison.png", |p| {
        plot::bars(
            p,
            "Fortune500: MSE of the 101st day",
            "MSE",
            &[
                ("mean", mean_mse as f32),
                ("last day", last_mse as f32),
                ("single neuron", single_mse as f32),
                ("SimpleRNN(1)", keras_mse as f32),
                ("SimpleRNN 10/5/1", stacked_mse as f32),
            ],
        )
    })?;
    report.write(a)
}
