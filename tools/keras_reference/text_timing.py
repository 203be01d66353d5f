"""Times the Keras side of the issue #4 text workloads on the tweets ×20 (137k texts).

Run: /work/kvenv/bin/python tools/keras_reference/text_timing.py [DATA_DIR]
Compare with: KERUST_DATA=... cargo run --release -p kerust-text --example text_bench
"""
import csv
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras_preprocessing.text import Tokenizer  # noqa: E402

DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KERUST_DATA", "/work/shared/data")
with open(os.path.join(DATA, "nlp_getting_started", "train.csv"), newline="", encoding="utf-8") as f:
    base = [row["text"] for row in csv.DictReader(f)][:6851]
texts = base * 20
print(len(texts), "texts")

best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    tok = Tokenizer()
    tok.fit_on_texts(texts)
    seqs = tok.texts_to_sequences(texts)
    x = keras.utils.pad_sequences(seqs, maxlen=15)
    best = min(best, time.perf_counter() - t)
print(f"keras tokenizer fit+texts_to_sequences+pad(15): best of 3 = {best * 1e3:.1f} ms {x.shape}")

best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    tv = keras.layers.TextVectorization(output_sequence_length=15)
    tv.adapt(texts)
    y = tv(texts)
    best = min(best, time.perf_counter() - t)
print(f"keras TextVectorization adapt+call(15): best of 3 = {best * 1e3:.1f} ms {tuple(y.shape)}")
