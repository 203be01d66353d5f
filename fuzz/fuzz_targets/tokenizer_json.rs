//! Tokenizer JSON (`tokenizer_from_json`), then the loaded tokenizer on a few texts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = kerust_text::Tokenizer::from_json(s) {
        let _ = t.texts_to_sequences(&["the cat sat", "a dog"]);
    }
});
