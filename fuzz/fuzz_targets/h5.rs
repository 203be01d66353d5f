//! HDF5 bytes → the reader, then the Keras `.h5` model loader on what it decoded.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = kerust_hdf5::File::from_bytes(data.to_vec()) {
        let _ = kerust_io::keras_h5::load_h5_file(&file, std::path::Path::new("fuzz.h5"));
    }
});
