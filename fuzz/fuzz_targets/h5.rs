//! HDF5 bytes → the Keras `.h5` model loader (structure and `model_config` first, then the values
//! within what that model can use), and the whole-file reader on the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kerust_io::keras_h5::load_h5_bytes(data.to_vec(), std::path::Path::new("fuzz.h5"));
    if let Ok(file) = kerust_hdf5::File::from_bytes(data.to_vec()) {
        let _ = kerust_io::keras_h5::load_h5_file(&file, std::path::Path::new("fuzz.h5"));
    }
});
