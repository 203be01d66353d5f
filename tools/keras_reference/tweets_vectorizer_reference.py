"""Keras's answers for the disaster-tweets notebook's `text_vectorizer`, the expectations of
tests/examples_quick.rs (`nlp_disaster_tweets_baseline_matches_the_notebook`).

Run:  /root/.cache/kerust/venv/bin/python tools/keras_reference/tweets_vectorizer_reference.py [DATA_DIR]
DATA_DIR defaults to $KERUST_DATA or /work/shared/data. Writes tests/fixtures/tweets_text_vectorizer.json.

The notebook's split, without pandas/scikit-learn (same numbers):
* `train_df.sample(frac=1, random_state=42)` is `RandomState(42).permutation(n)` (pandas `sample`
  without weights calls `choice(n, n, replace=False)`, which is a permutation);
* `train_test_split(..., test_size=0.1, random_state=42)` is ShuffleSplit: `n_test = ceil(0.1 n)`,
  `perm = RandomState(42).permutation(n)`, test = `perm[:n_test]`, train = `perm[n_test:]`.
Then `TextVectorization(max_tokens=10000, output_mode="int", output_sequence_length=15)` adapted on
the training sentences. Only derived values are written (vocabulary words, ids, counts), not tweets.
"""
import csv
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import keras  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "tweets_text_vectorizer.json")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KERUST_DATA", "/work/shared/data")
# The notebook's probe sentence.
SAMPLE = "There's a flood in my street!"


def main():
    with open(os.path.join(DATA, "nlp_getting_started", "train.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    order = np.random.RandomState(42).permutation(len(rows))
    text = [rows[i]["text"] for i in order]
    labels = [int(rows[i]["target"]) for i in order]
    n_test = math.ceil(0.1 * len(text))
    perm = np.random.RandomState(42).permutation(len(text))
    test_idx, train_idx = perm[:n_test], perm[n_test:]
    train_sentences = [text[i] for i in train_idx]
    val_labels = [labels[i] for i in test_idx]

    tv = keras.layers.TextVectorization(max_tokens=10000, output_mode="int", output_sequence_length=15)
    tv.adapt(train_sentences)
    vocab = [str(w) for w in tv.get_vocabulary()]
    rec = {
        "generator": "tools/keras_reference/tweets_vectorizer_reference.py",
        "keras_version": keras.__version__,
        "n_train": len(train_sentences),
        "n_val": len(test_idx),
        # The majority class of the validation split: what a constant predictor scores.
        "val_majority_rate": max(sum(val_labels), len(val_labels) - sum(val_labels)) / len(val_labels),
        "avg_tokens": round(sum(len(s.split()) for s in train_sentences) / len(train_sentences)),
        "vocab_size": len(vocab),
        "vocab_top5": vocab[:5],
        "vocab_bottom5": vocab[-5:],
        "sample_sentence": SAMPLE,
        "sample_ids": [int(v) for v in np.asarray(tv([SAMPLE]))[0]],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(rec, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {rec}")


if __name__ == "__main__":
    main()
