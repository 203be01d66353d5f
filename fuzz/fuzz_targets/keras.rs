//! `.keras` zip bytes → `load_keras_bytes` (config, weights member, assets).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kerust_io::keras_zip::load_keras_bytes(data, std::path::Path::new("fuzz.keras"));
});
