//! `cargo xtask download|cuda|bench`: project tasks that are not part of the library.
fn main() {
    eprintln!("usage: cargo xtask <download|cuda|bench>");
    std::process::exit(2);
}
