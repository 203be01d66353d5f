"""Records Keras text-preprocessing outputs on the SST-2 token columns (BT-AI Lab 8) as a JSON fixture.

Run:  /work/kvenv/bin/python tools/keras_reference/text_reference_sst.py [DATA_DIR]
DATA_DIR defaults to $KERUST_DATA or /work/shared/data. Writes crates/text/tests/fixtures/text_sst.json,
read by crates/text/tests/keras_parity_sst.rs.

The files hold `class,0..54`: each review's tokens, padded at the end with the literal token PAD,
rare words already replaced by OOV. The Keras view of a review is its tokens joined by one space with
the PAD tokens dropped (PAD only ever trails, so this is the review as written, tokenized). The lab
itself keeps PAD: its word2id runs over every cell, so that view (PAD kept) is used for the 4823 check.

Oracles: keras_preprocessing.text.Tokenizer (the Keras 2 API), keras.utils.pad_sequences and the
Keras 3 keras.layers.TextVectorization. Hashes follow text_reference.py: sha256 of lines joined by
"\n", a sequence written as comma-separated ids. Only a few reviews are written verbatim.
"""
import csv
import gzip
import hashlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras_preprocessing.text import Tokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "text", "tests", "fixtures")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KERUST_DATA", "/work/shared/data")
MAXLEN = 55
HEAD = 20
VERBATIM_ROWS = 3
SLICE = 20


def sha(lines):
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def seq_sha(seqs):
    return sha([",".join(str(int(v)) for v in s) for s in seqs])


def load(split):
    path = os.path.join(DATA, f"sst_movie_reviews_processed_{split}.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["class"] + [str(i) for i in range(MAXLEN)], rows[0]
    return [r[1:] for r in rows[1:]]


def keras_view(rows):
    return [" ".join(t for t in r if t != "PAD") for r in rows]


def lab_view(rows):
    return [" ".join(r) for r in rows]


def tokenizer_record(kwargs, train, test):
    tok = Tokenizer(**kwargs)
    tok.fit_on_texts(train)
    wi = list(tok.word_index.items())
    seqs = tok.texts_to_sequences(train + test)
    padded = keras.utils.pad_sequences(seqs, maxlen=MAXLEN, padding="post")
    n = len(train)
    return {
        "kwargs": kwargs,
        "document_count": tok.document_count,
        "word_index_size": len(wi),
        "word_index_head": wi[:HEAD],
        "word_index_tail": wi[-HEAD:],
        "word_index_sha256": sha([f"{w}\t{i}" for w, i in wi]),
        "word_counts_sha256": sha([f"{w}\t{c}" for w, c in tok.word_counts.items()]),
        "word_docs_sha256": sha(sorted(f"{w}\t{c}" for w, c in tok.word_docs.items())),
        "oov_index": tok.word_index.get(kwargs["oov_token"]) if "oov_token" in kwargs else None,
        "longest_sequence": max(len(s) for s in seqs),
        "sequences_sha256": seq_sha(seqs),
        "sequences_train_head": seqs[:VERBATIM_ROWS],
        "sequences_test_head": seqs[n:n + VERBATIM_ROWS],
        "sequences_to_texts_test_sha256": sha(tok.sequences_to_texts(seqs[n:])),
        "pad55_post_sha256": seq_sha(padded.tolist()),
        "pad55_post_shape": list(padded.shape),
        "pad55_post_test_head": padded[n:n + VERBATIM_ROWS].tolist(),
    }


def tv_record(kw, train, test):
    tv = keras.layers.TextVectorization(**kw)
    tv.adapt(train)
    vocab = [str(v) for v in tv.get_vocabulary()]
    out = np.asarray(tv(test))
    return {
        "kwargs": kw,
        "vocab_size": len(vocab),
        "vocab_head": vocab[:HEAD],
        "vocab_tail": vocab[-HEAD:],
        "vocab_sha256": sha(vocab),
        "test_sha256": seq_sha(out.tolist()),
        "test_shape": list(out.shape),
        "test_head": out[:VERBATIM_ROWS].tolist(),
    }


def nonzero(rows):
    return [[[int(j), round(float(r[j]), 6)] for j in np.nonzero(r)[0]] for r in rows]


def tv_dense_record(kw, train, test):
    tv = keras.layers.TextVectorization(**kw)
    tv.adapt(train)
    out = np.asarray(tv(test[:SLICE]))
    rec = {
        "kwargs": kw,
        "vocab_sha256": sha([str(v) for v in tv.get_vocabulary()]),
        "shape": list(out.shape),
        "test_slice_nonzero": nonzero(out),
    }
    if kw.get("output_mode") == "tf_idf":
        idf = np.asarray(tv._lookup_layer.idf_weights)
        rec["idf_head"] = [round(float(x), 6) for x in idf[:HEAD]]
        rec["idf_len"] = int(idf.shape[0])
    return rec


def lab_word2id(train_rows, test_rows):
    # The lab's loop, verbatim in spirit: ids by first appearance over every cell (PAD included).
    word2id, id2word = {}, []
    for review in train_rows + test_rows:
        for token in review:
            if token not in word2id:
                word2id[token] = len(id2word)
                id2word.append(token)
    # Through Keras: Tokenizer(filters="", lower=False) on the PAD-kept texts. Its word_counts is
    # insertion-ordered, i.e. first appearance, so its keys are id2word; word_index (by count) has
    # the same size. TextVectorization(standardize=None, split="whitespace") adds "" and "[UNK]".
    texts = lab_view(train_rows + test_rows)
    tok = Tokenizer(filters="", lower=False)
    tok.fit_on_texts(texts)
    assert list(tok.word_counts) == id2word
    tv = keras.layers.TextVectorization(standardize=None, split="whitespace")
    tv.adapt(texts)
    tv_vocab = [str(v) for v in tv.get_vocabulary()]
    assert sorted(tv_vocab[2:]) == sorted(id2word)
    return {
        "vocab_size": len(word2id),
        "id2word_sha256": sha(id2word),
        "id2word_head": id2word[:HEAD],
        "lab_ids": {w: word2id[w] for w in ["the", "a", "great", "cast", "PAD", "OOV"]},
        "tokenizer_word_index_size": len(tok.word_index),
        "tokenizer_word_counts_keys_sha256": sha(list(tok.word_counts)),
        "text_vectorization_vocab_size": len(tv_vocab),
        "text_vectorization_vocab_sha256": sha(tv_vocab),
    }


def main():
    train_rows, test_rows = load("train"), load("test")
    train, test = keras_view(train_rows), keras_view(test_rows)
    fx = {
        "n_train": len(train),
        "n_test": len(test),
        "train_sha256": sha(train),
        "test_sha256": sha(test),
        "test_head_texts": test[:VERBATIM_ROWS],
        "tokenizers": [
            tokenizer_record({}, train, test),
            tokenizer_record({"filters": "", "lower": False, "oov_token": "OOV"}, train, test),
            tokenizer_record({"num_words": 1000, "oov_token": "<OOV>"}, train, test),
        ],
        "text_vectorization": [
            tv_record({"max_tokens": 5000, "output_sequence_length": MAXLEN}, train, test),
            tv_record({"standardize": None, "split": "whitespace", "max_tokens": 5000,
                       "output_sequence_length": MAXLEN}, train, test),
            # A cut inside the count ties: which equal-count tokens survive is Keras's tie order.
            tv_record({"max_tokens": 1000, "output_sequence_length": MAXLEN}, train, test),
        ],
        "text_vectorization_dense": [
            tv_dense_record({"max_tokens": 5000, "output_mode": m, **s}, train, test)
            for s in [{}, {"standardize": None, "split": "whitespace"}]
            for m in ["multi_hot", "tf_idf"]
        ],
        "lab_word2id": lab_word2id(train_rows, test_rows),
    }
    path = os.path.join(OUT, "text_sst.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fx, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
