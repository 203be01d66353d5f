"""The Keras numbers `tests/examples_quick.rs::bst261_text_walks_the_vectorising_slides` holds.

Run with the project venv (tf_keras for the legacy `preprocessing.text` functions):
    /root/.cache/kerust/venv/bin/python tools/keras_reference/bst261_text_reference.py
Prints the bag of 3-grams in TextVectorization's vocabulary order, hashing_trick(md5) ids of the
three reviews for n = 10 and 1000, and the Tokenizer walk (ids, padded).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
from tf_keras.preprocessing.sequence import pad_sequences  # noqa: E402
from tf_keras.preprocessing.text import Tokenizer, hashing_trick  # noqa: E402

REVIEWS = [
    "This movie was great!",
    "This movie was so bad I quit after ten minutes.",
    "The setting is enchanting and captivating.",
]

tv = tf.keras.layers.TextVectorization(standardize=None, ngrams=3)
tv.adapt(["Data science rocks my socks off"])
print("ngrams:", [str(t) for t in tv.get_vocabulary()[2:]])
for n in (10, 1000):
    print(f"hashing_trick n={n}:", [hashing_trick(r, n, hash_function="md5") for r in REVIEWS])
tok = Tokenizer()
tok.fit_on_texts(REVIEWS)
seqs = tok.texts_to_sequences(REVIEWS)
print("sequences:", seqs)
print("padded:", pad_sequences(seqs, maxlen=10, padding="post").tolist())
