//! `cargo xtask download|cuda|bench|fuzz|gpu-check`: project tasks that are not part of the library.
mod bench;
mod cuda;
mod download;
mod fuzz;
mod gpu_check;

const USAGE: &str =
    "usage: cargo xtask <download|bench|cuda|fuzz|gpu-check> [args]; see `cargo xtask <task> --help`";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("download") => download::run(&args[2..]),
        Some("bench") => bench::run(&args[2..]),
        Some("cuda") => cuda::run(&args[2..]),
        Some("fuzz") => fuzz::run(&args[2..]),
        Some("gpu-check") => gpu_check::run(&args[2..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
