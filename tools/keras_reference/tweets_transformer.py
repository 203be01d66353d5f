"""Keras 3 + keras-hub reference for the disaster-tweets Transformer (kerust issue #22): the same
split as examples/nlp_disaster_tweets (pandas sample(frac=1, random_state=42), then sklearn's
train_test_split(test_size=0.1, random_state=42), replicated with numpy), the notebook's
TextVectorization(max_tokens=10000, output_sequence_length=15), then
TokenAndPositionEmbedding(10000, 15, 128, mask_zero=True) → TransformerEncoder(128, 4) →
GlobalAveragePooling1D → Dense(1, sigmoid), Adam, 5 epochs, batch 32. Prints the validation
accuracy per epoch and the fit time, for the example's report.

Run: /root/.cache/kerust/venv/bin/python tools/keras_reference/tweets_transformer.py [DATA_DIR] [SEED]
"""
import csv
import math
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import tensorflow as tf
import keras
import keras_hub
from keras import layers

data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KERUST_DATA", "/work/shared/data")
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
with open(os.path.join(data, "nlp_getting_started", "train.csv"), newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
order = np.random.RandomState(42).permutation(len(rows))
text = [rows[i]["text"] for i in order]
labels = np.array([int(rows[i]["target"]) for i in order], dtype=np.float32)
n_test = math.ceil(0.1 * len(text))
perm = np.random.RandomState(42).permutation(len(text))
test_idx, train_idx = perm[:n_test], perm[n_test:]
x_train = tf.constant([text[i] for i in train_idx])
x_val = tf.constant([text[i] for i in test_idx])
y_train, y_val = labels[train_idx], labels[test_idx]

keras.utils.set_random_seed(seed)
tv = layers.TextVectorization(max_tokens=10000, output_sequence_length=15)
tv.adapt(x_train)
inp = keras.Input((1,), dtype="string")
x = tv(inp)
x = keras_hub.layers.TokenAndPositionEmbedding(10000, 15, 128, mask_zero=True)(x)
x = keras_hub.layers.TransformerEncoder(128, 4)(x)
x = layers.GlobalAveragePooling1D()(x)
out = layers.Dense(1, activation="sigmoid")(x)
m = keras.Model(inp, out, name="model_8_transformer")
m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
t = time.time()
h = m.fit(x_train, y_train, epochs=5, batch_size=32, validation_data=(x_val, y_val), verbose=0)
print("train/val", len(x_train), len(x_val), "params", m.count_params())
print("val_accuracy", [round(v, 4) for v in h.history["val_accuracy"]])
print("fit_seconds", round(time.time() - t, 1))
