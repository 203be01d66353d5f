//! `.npy` bytes → `parse_npy`: any input gives an array or a typed error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kerust_io::npy::parse_npy(data, std::path::Path::new("fuzz.npy"));
});
