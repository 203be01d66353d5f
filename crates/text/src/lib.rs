//! Keras text preprocessing for Rust: `Tokenizer`, `pad_sequences`, the `TextVectorization` vectorizer and the hashing trick. No tensor dependency: usable with any framework.
