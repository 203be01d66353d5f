"""Keras's feature extractor `Model(inputs=model.inputs, outputs=model.get_layer(NAME).output)` on
the lecture-18 probe model Embedding -> LSTM(3, return_sequences=True) -> LSTM(1, sigmoid): the
weights, an input batch, and the extractor's output, for crates/layers/tests/feature_extraction.rs.

Usage: python feature_extraction_reference.py OUT.json
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input((None,), dtype="int32"),
    keras.layers.Embedding(20, 5),
    keras.layers.LSTM(3, return_sequences=True, name="probe"),
    keras.layers.LSTM(1, activation="sigmoid"),
])
ids = np.array([[3, 7, 1, 19, 4, 0], [5, 5, 2, 8, 0, 0], [11, 12, 13, 14, 15, 16]], dtype="int32")
extractor = keras.Model(inputs=model.inputs, outputs=model.get_layer("probe").output)
out = {
    "weights": [{"shape": list(w.shape), "values": w.ravel().tolist()} for w in model.get_weights()],
    "ids": ids.tolist(),
    "probe": extractor.predict(ids, verbose=0).ravel().tolist(),
    "probe_shape": [3, 6, 3],
    "prediction": model.predict(ids, verbose=0).ravel().tolist(),
}
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
