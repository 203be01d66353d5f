//! A TextVectorization vocabulary file (one token a line) or, when it parses as JSON, a
//! TextVectorization config; then the layer on a few texts.
#![no_main]
use kerust_text::TextVectorizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let texts = ["the cat sat", "a dog"];
    if let Ok(cfg) = serde_json::from_str::<serde_json::Value>(s) {
        if let Ok(tv) = TextVectorizer::from_config(&cfg) {
            let _ = tv.call(&texts);
        }
        return;
    }
    let lines: Vec<&str> = s.lines().collect();
    let mut tv = TextVectorizer::new();
    if tv.set_vocabulary(&lines, None).is_ok() {
        let _ = tv.call(&texts);
    }
});
