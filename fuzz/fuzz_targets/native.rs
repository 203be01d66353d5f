//! A native saved-model directory: the input is `u32 LE length of config.json`, `config.json`,
//! then `weights.safetensors`; both are written to a scratch directory and loaded.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let n = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (config, weights) = rest.split_at(n);
    let dir = std::env::temp_dir().join(format!("kerust_fuzz_native_{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    std::fs::write(dir.join("config.json"), config).unwrap();
    std::fs::write(dir.join("weights.safetensors"), weights).unwrap();
    let _ = kerust_io::native::load_native(&dir);
});
