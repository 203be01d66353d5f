"""Records Keras text-preprocessing outputs as JSON fixtures for crates/text/tests.

Run:  /work/kvenv/bin/python tools/keras_reference/text_reference.py [DATA_DIR]
DATA_DIR defaults to $KERUST_DATA or /work/shared/data. Writes crates/text/tests/fixtures/text_*.json.
Oracles: keras_preprocessing.text.Tokenizer / hashing_trick, keras.utils.pad_sequences,
keras 3 keras.layers.TextVectorization. The tweets text itself is never written, only hashes,
top-N lists and a few small rows.
"""
import csv
import hashlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras_preprocessing.text import Tokenizer, hashing_trick, tokenizer_from_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "text", "tests", "fixtures")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KERUST_DATA", "/work/shared/data")

LECTURE = ["I love Stats so much", "I love ML too", "I love DS", "I love NN"]
EDGE = [
    "Hello, World! Hello again.",
    "ÜBER Ça va? Déjà vu, café CAFÉ",
    "שלום עולם! שלום לכולם",
    "emoji 😀🔥 fire🔥 😀",
    "line1\r\nline2\rline3\nline4",
    "mojibake Ûª donÛªt Ûª",
    "",
    "   ",
    "ΣΑΣ Σ İstanbul",
    "tab\tsep\x0bvt\x0cff nb\u00a0sp\u2003em",
    "don't stop-believing don't",
    "A a A a b B",
    "#hash @user http://t.co/abc123 [UNK]",
]
UNSEEN = ["hello zebra 😀", "", "a b c d e f g h", "שלום"]


def sha(lines):
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def seq_sha(seqs):
    return sha([",".join(str(int(v)) for v in s) for s in seqs])


def tokenizer_record(kwargs, texts, probe):
    t = Tokenizer(**kwargs)
    t.fit_on_texts(texts)
    seqs = t.texts_to_sequences(probe)
    rec = {
        "kwargs": kwargs,
        "word_counts": [[w, c] for w, c in t.word_counts.items()],
        "word_docs": dict(t.word_docs),
        "word_index": [[w, i] for w, i in t.word_index.items()],
        "index_docs": {str(k): v for k, v in t.index_docs.items()},
        "document_count": t.document_count,
        "sequences": seqs,
        "sequences_to_texts": t.sequences_to_texts(seqs),
        "matrix": {m: t.texts_to_matrix(probe, mode=m).tolist() for m in ["binary", "count", "tfidf", "freq"]},
        "to_json": t.to_json(),
    }
    # Keras must also read its own JSON back identically (sanity of the oracle).
    assert tokenizer_from_json(rec["to_json"]).word_index == t.word_index
    return rec


def tv_record(kwargs, adapt, probe, vocabulary=None, idf=None):
    kw = dict(kwargs)
    if vocabulary is not None:
        kw["vocabulary"] = vocabulary
    if idf is not None:
        kw["idf_weights"] = idf
    try:
        tv = keras.layers.TextVectorization(**kw)
        if adapt is not None:
            tv.adapt(adapt)
        out = np.asarray(tv(probe))
    except Exception as e:  # noqa: BLE001 - we record that Keras refuses
        return {"kwargs": kwargs, "vocabulary": vocabulary, "idf_weights": idf, "adapt": adapt is not None,
                "error": type(e).__name__}
    rec = {
        "kwargs": kwargs,
        "vocabulary": vocabulary,
        "idf_weights": idf,
        "adapt": adapt is not None,
        "get_vocabulary": [str(v) for v in tv.get_vocabulary()],
        "output": out.tolist(),
        "shape": list(out.shape),
    }
    cfg = tv.get_config()
    rec["config"] = json.loads(json.dumps(cfg, default=str))
    return rec


def pad_records():
    seqs = [[1, 2, 3, 4, 5], [1, 2, 6, 7], [1, 2, 8], [1, 2, 9], []]
    cases = [
        {},
        {"maxlen": 4, "padding": "post", "truncating": "post"},
        {"maxlen": 3},
        {"maxlen": 3, "padding": "post"},
        {"maxlen": 3, "truncating": "post"},
        {"maxlen": 7, "value": -1},
        {"maxlen": 2, "value": 50001},
    ]
    out = []
    for kw in cases:
        out.append({"kwargs": kw, "sequences": seqs, "output": keras.utils.pad_sequences(seqs, **kw).tolist()})
    return out


def small_fixtures():
    lecture_tok = Tokenizer(num_words=10)
    lecture_tok.fit_on_texts(LECTURE)
    lecture_seqs = lecture_tok.texts_to_sequences(LECTURE)
    lecture = {
        "texts": LECTURE,
        "tokenizer": tokenizer_record({"num_words": 10}, LECTURE, LECTURE),
        "padded_post_post_4": keras.utils.pad_sequences(
            lecture_seqs, maxlen=4, padding="post", truncating="post").tolist(),
        "pad": pad_records(),
        "text_vectorization": tv_record({}, LECTURE, LECTURE),
    }
    tok_cases = [
        {},
        {"num_words": 5, "oov_token": "<OOV>"},
        {"char_level": True},
        {"lower": False, "filters": ""},
        {"split": "--", "filters": "!,"},
        {"oov_token": "a"},
    ]
    tv_cases = [
        {},
        {"max_tokens": 8},
        {"ngrams": 2},
        {"ngrams": [1, 3]},
        {"split": "character", "standardize": "lower"},
        {"standardize": None},
        {"standardize": "strip_punctuation"},
        {"standardize": "lower"},
        {"output_mode": "multi_hot"},
        {"output_mode": "count", "max_tokens": 6, "pad_to_max_tokens": True},
        {"output_mode": "tf_idf"},
        {"output_mode": "tf_idf", "max_tokens": 10, "pad_to_max_tokens": True},
        {"output_sequence_length": 4},
        {"output_sequence_length": 12, "ngrams": 3, "max_tokens": 20},
    ]
    tv = []
    for kw in tv_cases:
        k = dict(kw)
        if isinstance(k.get("ngrams"), list):
            k["ngrams"] = tuple(k["ngrams"])
        rec = tv_record(k, EDGE, EDGE + UNSEEN)
        rec["kwargs"] = kw
        tv.append(rec)
    vocab_cases = [
        ({}, ["hello", "world", "😀"], None),
        ({}, ["", "[UNK]", "hello", "world"], None),
        ({"output_mode": "count"}, ["[UNK]", "hello", "world"], None),
        ({"output_mode": "multi_hot", "max_tokens": 6, "pad_to_max_tokens": True}, ["hello", "world"], None),
        ({"output_mode": "tf_idf"}, ["hello", "world"], [0.5, 2.0]),
        ({"output_mode": "tf_idf"}, ["[UNK]", "hello", "world"], [0.25, 0.5, 2.0]),
        ({}, ["a", "a"], None),
        ({}, ["a", ""], None),
        ({"max_tokens": 3}, ["a", "b"], None),
        ({"output_mode": "tf_idf"}, ["a", "b"], [1.0]),
    ]
    for kw, v, idf in vocab_cases:
        tv.append(tv_record(kw, None, EDGE + UNSEEN, vocabulary=v, idf=idf))
    edge = {
        "texts": EDGE,
        "unseen": UNSEEN,
        "tokenizers": [tokenizer_record(kw, EDGE, EDGE + UNSEEN) for kw in tok_cases],
        "hashing_trick_md5": {
            str(n): [hashing_trick(t, n, hash_function="md5") for t in EDGE + UNSEEN] for n in [2, 50, 1000]
        },
        "text_vectorization": tv,
    }
    return lecture, edge


def tweets_fixture():
    path = os.path.join(DATA, "nlp_getting_started", "train.csv")
    with open(path, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    top = 300
    rec = {"n_texts": len(texts), "texts_sha256": sha(texts)}
    tok = Tokenizer()
    tok.fit_on_texts(texts)
    seqs = tok.texts_to_sequences(texts)
    rec["tokenizer_default"] = {
        "document_count": tok.document_count,
        "vocab_size": len(tok.word_index),
        "word_index_top": list(tok.word_index.items())[:top],
        "word_counts_first": list(tok.word_counts.items())[:top],
        "word_counts_sha256": sha([f"{w}\t{c}" for w, c in tok.word_counts.items()]),
        "word_index_sha256": sha([f"{w}\t{i}" for w, i in tok.word_index.items()]),
        "word_docs_sha256": sha(sorted(f"{w}\t{c}" for w, c in tok.word_docs.items())),
        "sequences_sha256": seq_sha(seqs),
        "pad15_pre_sha256": seq_sha(keras.utils.pad_sequences(seqs, maxlen=15).tolist()),
        "pad15_post_sha256": seq_sha(
            keras.utils.pad_sequences(seqs, maxlen=15, padding="post", truncating="post").tolist()),
        "pad_longest_shape": list(keras.utils.pad_sequences(seqs).shape),
    }
    tok = Tokenizer(num_words=5000, oov_token="<OOV>")
    tok.fit_on_texts(texts)
    seqs = tok.texts_to_sequences(texts)
    m = tok.texts_to_matrix(texts[:8], mode="tfidf")
    rec["tokenizer_5000_oov"] = {
        "sequences_sha256": seq_sha(seqs),
        "sequences_to_texts_sha256": sha(tok.sequences_to_texts(seqs)),
        "tfidf_first8_nonzero": [[[int(j), float(r[j])] for j in np.nonzero(r)[0]] for r in m],
        "count_first8_sum": float(tok.texts_to_matrix(texts[:8], mode="count").sum()),
    }
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(texts)
    rec["tokenizer_char"] = {
        "word_index_sha256": sha([f"{w}\t{i}" for w, i in tok.word_index.items()]),
        "vocab_size": len(tok.word_index),
        "sequences_sha256": seq_sha(tok.texts_to_sequences(texts)),
    }
    rec["hashing_trick_md5_1000_sha256"] = seq_sha([hashing_trick(t, 1000, hash_function="md5") for t in texts])

    tv = keras.layers.TextVectorization(output_sequence_length=15)
    tv.adapt(texts)
    vocab = [str(v) for v in tv.get_vocabulary()]
    rec["tv_default"] = {
        "vocab_size": len(vocab),
        "vocab_top": vocab[:top],
        "vocab_sha256": sha(vocab),
        "int15_sha256": seq_sha(np.asarray(tv(texts)).tolist()),
    }
    tv = keras.layers.TextVectorization()
    tv.adapt(texts)
    out = np.asarray(tv(texts))
    rec["tv_default"]["ragged_shape"] = list(out.shape)
    rec["tv_default"]["ragged_sha256"] = seq_sha(out.tolist())
    tv = keras.layers.TextVectorization(max_tokens=10000, output_mode="tf_idf")
    tv.adapt(texts)
    vocab = [str(v) for v in tv.get_vocabulary()]
    out = np.asarray(tv(texts[:5]))
    rec["tv_tfidf_10000"] = {
        "vocab_sha256": sha(vocab),
        "idf_first": [float(x) for x in np.asarray(tv._lookup_layer.idf_weights)[:top]],
        "first5_nonzero": [[[int(j), float(r[j])] for j in np.nonzero(r)[0]] for r in out],
    }
    tv = keras.layers.TextVectorization(max_tokens=20000, ngrams=2)
    tv.adapt(texts)
    vocab = [str(v) for v in tv.get_vocabulary()]
    rec["tv_bigrams_20000"] = {"vocab_size": len(vocab), "vocab_sha256": sha(vocab), "vocab_top": vocab[:50]}
    tv = keras.layers.TextVectorization(split="character", output_mode="count")
    tv.adapt(texts)
    vocab = [str(v) for v in tv.get_vocabulary()]
    out = np.asarray(tv(texts[:3]))
    rec["tv_char_count"] = {
        "vocab_sha256": sha(vocab),
        "vocab_size": len(vocab),
        "first3_nonzero": [[[int(j), float(r[j])] for j in np.nonzero(r)[0]] for r in out],
    }
    return rec


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    lecture, edge = small_fixtures()
    dump("text_lecture.json", lecture)
    dump("text_edge.json", edge)
    dump("text_tweets.json", tweets_fixture())


if __name__ == "__main__":
    main()
