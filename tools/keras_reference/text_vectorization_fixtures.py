"""Keras 3 reference for TextVectorization inside a model (the tweets notebook pattern).

Builds small string models — Input(shape=(1,), dtype="string") → TextVectorization → ... →
Dense(sigmoid) — adapts the vectorizer on fixed sentences, sets fixed weights, saves each as a
`.keras` fixture (Keras keeps the adapted vocabulary in assets/.../vocabulary.txt and tf_idf
weights in model.weights.h5) and writes the expected vocabulary, ids and predictions as JSON.

Usage: python text_vectorization_fixtures.py OUT_DIR
Also:  python text_vectorization_fixtures.py --check MODEL.keras CASE.json [MODEL2 CASE2 ...]
(one JSON line per pair, in order: one process for all, TensorFlow's import costs seconds)
       loads a kerust-written .keras with Keras, predicts CASE["texts"], prints JSON predictions.
"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import keras
import tensorflow as tf
from keras import layers

TRAIN = [
    "Forest fire near La Ronge Sask. Canada",
    "All residents asked to 'shelter in place' are being notified by officers",
    "13,000 people receive #wildfires evacuation orders in California",
    "Just got sent this photo from Ruby #Alaska as smoke from #wildfires pours into a school",
    "I love fruits",
    "Summer is lovely",
    "My car is so fast",
    "What a goooooooaaaaaal!!!!!!",
    "this is ridiculous....",
    "London is cool ;)",
    "Love skiing",
    "the fire spread fast near the school",
]
TEST = [
    "fire near the school",
    "I love London",
    "zebra quokka",
    "",
    "Wildfires in California, smoke everywhere! Evacuation orders for all residents now",
]


def predict(model, texts):
    return model.predict(tf.constant([[t] for t in texts]), verbose=0)


def fixed(shape, scale, phase):
    n = int(np.prod(shape))
    return (scale * np.sin(np.arange(n, dtype=np.float64) * 0.7 + phase)).reshape(shape).astype(np.float32)


def int_model():
    tv = layers.TextVectorization(max_tokens=40, output_mode="int", output_sequence_length=8)
    tv.adapt(TRAIN)
    n = tv.vocabulary_size()
    inputs = keras.Input(shape=(1,), dtype="string")
    x = tv(inputs)
    x = layers.Embedding(n, 4)(x)
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    m = keras.Model(inputs, out, name="model_1_dense")
    m.set_weights([fixed((n, 4), 0.8, 0.1), fixed((4, 1), 1.5, 0.3), np.array([0.1], np.float32)])
    return tv, m


def tfidf_model():
    tv = layers.TextVectorization(max_tokens=30, output_mode="tf_idf", ngrams=2)
    tv.adapt(TRAIN)
    n = tv.vocabulary_size()
    inputs = keras.Input(shape=(1,), dtype="string")
    x = tv(inputs)
    out = layers.Dense(1, activation="sigmoid")(x)
    m = keras.Model(inputs, out, name="tfidf_dense")
    m.set_weights([fixed((n, 1), 0.5, 0.2), np.array([-0.2], np.float32)])
    return tv, m


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, build in [("text_vec_int", int_model), ("text_vec_tfidf", tfidf_model)]:
        keras.utils.set_random_seed(0)
        tv, m = build()
        path = os.path.join(out_dir, name + ".keras")
        m.save(path)
        again = keras.models.load_model(path)
        p = predict(m, TEST)
        np.testing.assert_allclose(predict(again, TEST), p, atol=1e-6)
        case = {
            "keras_version": keras.__version__,
            "train": TRAIN,
            "texts": TEST,
            "vocabulary": [str(w) for w in tv.get_vocabulary()],
            "vectorized": np.asarray(tv(tf.constant(TEST))).tolist(),
            "predictions": p.reshape(-1).astype(float).tolist(),
        }
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(case, f, indent=1)
        print(name, os.path.getsize(path), "bytes")


def check(model_path, case_path):
    case = json.load(open(case_path))
    m = keras.models.load_model(model_path)
    tv = [l for l in m.layers if isinstance(l, layers.TextVectorization)][0]
    print(json.dumps({
        "predictions": predict(m, case["texts"]).reshape(-1).astype(float).tolist(),
        "vocabulary": [str(w) for w in tv.get_vocabulary()],
    }))


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        pairs = sys.argv[2:]
        if not pairs or len(pairs) % 2:
            sys.exit("--check takes MODEL CASE pairs")
        for model_path, case_path in zip(pairs[::2], pairs[1::2]):
            check(model_path, case_path)
    else:
        main(sys.argv[1])
