//! `cargo xtask download|cuda|bench|fuzz`: project tasks that are not part of the library.
mod bench;
mod cuda;
mod download;
mod fuzz;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("download") => download::run(&args[2..]),
        Some("bench") => bench::run(&args[2..]),
        Some("cuda") => cuda::run(&args[2..]),
        Some("fuzz") => fuzz::run(&args[2..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!(
                "usage: cargo xtask <download|bench|cuda|fuzz> [args]; see `cargo xtask <task> --help`"
            );
            Ok(())
        }
        _ => Err(
            "usage: cargo xtask <download|bench|cuda|fuzz> [args]; see `cargo xtask <task> --help`"
                .to_string(),
        ),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
