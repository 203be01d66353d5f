//! Batch-score a model without Python: load a Keras `.h5`, `.keras` or kerust saved-model
//! directory, predict on `.npy` inputs, write the predictions as `.npy`, optionally convert.
//!
//! cargo run --release --example predict -- MODEL_PATH INPUT.npy[,INPUT2.npy] OUTPUT.npy [--save-as PATH]
//!
//! A model with several outputs writes OUTPUT.npy for the first and OUTPUT_1.npy, ... for the rest.
use kerust_io::{load_model, read_npy, save_model, write_npy, NpyArray};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: predict MODEL_PATH INPUT.npy[,INPUT2.npy,...] OUTPUT.npy [--save-as PATH] [--batch-size N]";

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut positional = Vec::new();
    let (mut save_as, mut batch_size) = (None, 32usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--save-as" => save_as = Some(it.next().ok_or("--save-as needs a path")?.clone()),
            "--batch-size" => {
                batch_size = it.next().ok_or("--batch-size needs a number")?.parse()?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => positional.push(a.clone()),
        }
    }
    let [model_path, inputs, output] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    if let Some(p) = &save_as {
        // An unknown extension is refused before anything is predicted or written.
        kerust_io::Format::for_save(Path::new(p))?;
    }
    let mut model = load_model(model_path)?;
    let xs = inputs
        .split(',')
        .map(|p| -> Result<_, Box<dyn std::error::Error>> {
            let a = read_npy(p)?;
            // Keras predicts over the first axis: a scalar has none, a zero-row array has nothing.
            match a.shape.first() {
                None => Err(format!("{p}: shape () is a scalar; predict needs a batch axis, e.g. shape (1,) or (1, features)"))?,
                Some(0) => Err(format!("{p}: shape {:?} has no samples; give at least one row", a.shape))?,
                _ => {}
            }
            Ok(a.to_data()?)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outs = model.predict_multi(xs, batch_size)?;
    for (i, t) in outs.iter().enumerate() {
        let path = output_path(Path::new(output), i);
        write_npy(&path, &NpyArray::from_tensor(t)?)?;
        eprintln!("wrote {} {:?}", path.display(), t.shape());
    }
    if let Some(p) = save_as {
        save_model(&model, &p)?;
        eprintln!("saved the model as {p}");
    }
    Ok(())
}

/// OUTPUT.npy for output 0, OUTPUT_1.npy for output 1, ...
fn output_path(base: &Path, i: usize) -> PathBuf {
    if i == 0 {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    base.with_file_name(format!("{stem}_{i}.npy"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("predict: {e}");
            ExitCode::FAILURE
        }
    }
}
