"""Keras (TensorFlow backend) side of `cargo xtask bench`: the same workloads as
xtask/src/bench/workloads.rs, each in every reasonable configuration a Keras user could pick, all
measured in the same run (xtask reports the fastest as `keras_s` and all of them under
`peer_configs`):

* training: `default` (compile defaults: `jit_compile="auto"`, which Keras 3 turns off on a CPU-only
  TensorFlow), `jit` (`jit_compile=True`, XLA), `spe32` (`steps_per_execution=32`), `jit_spe32`,
  and for the 15-step tweets recurrent models also `jit_spe32_unroll` (`unroll=True`);
* predict: `predict` (`model.predict(x, batch_size=32)`), `call` (`model(x, training=False)` on the
  whole input: the small-input path without predict's per-call overhead) and `call_jit`
  (the same call inside `tf.function(jit_compile=True)`);
* text pipelines: `default`; their outputs are hashed so xtask can compare them with kerust's.

Protocol, data and the cold/steady split: see bench_common.py."""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import bench_common as c  # noqa: E402

TRAIN_CONFIGS = {
    "default": {"jit": "auto", "spe": 1, "unroll": False},
    "jit": {"jit": True, "spe": 1, "unroll": False},
    "spe32": {"jit": "auto", "spe": 32, "unroll": False},
    "jit_spe32": {"jit": True, "spe": 32, "unroll": False},
}
UNROLL_CONFIGS = {"jit_spe32_unroll": {"jit": True, "spe": 32, "unroll": True}}


def versions():
    import tensorflow as tf
    import keras

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def threads():
    import tensorflow as tf

    return {
        # 0 means TensorFlow's default: one thread per core it may use.
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }


def compile_kwargs(cfg):
    return {"jit_compile": cfg["jit"], "steps_per_execution": cfg["spe"]}


def fit_configs(build, x, y, epochs, batch, unroll=False):
    """`build(cfg)` returns a compiled model for one configuration."""
    import keras

    class EpochClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_epoch_end(self, epoch, logs=None):
            self.ends.append(time.perf_counter())

    def rep_of(cfg):
        def rep():
            keras.backend.clear_session()
            model = build(cfg)
            clock = EpochClock()
            t0 = time.perf_counter()
            h = model.fit(x, y, epochs=epochs + 1, batch_size=batch, verbose=0, callbacks=[clock])
            cold, steady = c.epoch_times(t0, clock.ends, epochs)
            return {"seconds": steady, "cold_s": cold, "final_loss": float(h.history["loss"][-1])}

        return rep

    configs = dict(TRAIN_CONFIGS)
    if unroll:
        configs.update(UNROLL_CONFIGS)
    return {name: rep_of(cfg) for name, cfg in configs.items()}, {}


def fortune500(stacked, epochs):
    import keras
    from keras import layers

    x, y = c.fortune500(np.random.default_rng(500))

    def build(cfg):
        if stacked:
            rnn = [layers.SimpleRNN(10, return_sequences=True), layers.SimpleRNN(5, return_sequences=True),
                   layers.SimpleRNN(1)]
        else:
            rnn = [layers.SimpleRNN(1)]
        m = keras.Sequential([keras.Input((None, 1))] + rnn)
        m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", **compile_kwargs(cfg))
        return m

    return fit_configs(build, x, y, epochs, 32)


def tweets_model(head, cfg=None):
    import keras
    from keras import layers

    cfg = cfg or TRAIN_CONFIGS["default"]
    u = cfg["unroll"]
    heads = {
        "lstm": lambda: [layers.LSTM(64, unroll=u)],
        "gru": lambda: [layers.GRU(64, unroll=u)],
        "bilstm": lambda: [layers.Bidirectional(layers.LSTM(64, unroll=u))],
        "conv1d": lambda: [layers.Conv1D(32, 5, activation="relu"), layers.GlobalMaxPooling1D()],
        "gap": lambda: [layers.GlobalAveragePooling1D()],
    }
    m = keras.Sequential(
        [keras.Input((c.TWEETS_LEN,), dtype="int32"), layers.Embedding(c.TWEETS_VOCAB, 128)]
        + heads[head]()
        + [layers.Dense(1, activation="sigmoid")]
    )
    m.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"],
              **compile_kwargs(cfg))
    return m


def tweets_fit(head):
    rng = np.random.default_rng(900)
    x = c.ids(rng, c.TWEETS_TRAIN, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)
    y = c.binary_labels(rng, c.TWEETS_TRAIN)
    recurrent = head in ("lstm", "gru", "bilstm")
    return fit_configs(lambda cfg: tweets_model(head, cfg), x, y, 5, 32, unroll=recurrent)


def sst():
    import keras
    from keras import layers

    rng = np.random.default_rng(902)
    x = c.ids(rng, c.SST_TRAIN, c.SST_LEN, c.SST_VOCAB, 3)
    y = c.class_labels(rng, c.SST_TRAIN, 2)

    def build(cfg):
        m = keras.Sequential([keras.Input((c.SST_LEN,), dtype="int32"), layers.Embedding(c.SST_VOCAB, 32),
                              layers.LSTM(32), layers.Dense(2, activation="softmax")])
        m.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"],
                  **compile_kwargs(cfg))
        return m

    return fit_configs(build, x, y, 6, 150)


def quora():
    import keras
    from keras import layers
    from keras.regularizers import l2

    rng = np.random.default_rng(903)
    q1, q2 = c.quora_ids(rng, c.QUORA_TRAIN), c.quora_ids(rng, c.QUORA_TRAIN)
    y = c.binary_labels(rng, c.QUORA_TRAIN)

    def build(cfg):
        in1 = keras.Input((c.QUORA_LEN,), dtype="int32")
        in2 = keras.Input((c.QUORA_LEN,), dtype="int32")
        emb = layers.Embedding(c.QUORA_MAX_FEATURES + 2, 128, embeddings_regularizer=l2(0.0001))
        lstm = layers.LSTM(128, kernel_regularizer=l2(0.0001))
        v1, v2 = lstm(emb(in1)), lstm(emb(in2))
        out = layers.Dense(1, activation="sigmoid")(layers.Dot(axes=1)([v1, v2]))
        m = keras.Model([in1, in2], out)
        m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], **compile_kwargs(cfg))
        return m

    return fit_configs(build, [q1, q2], y, 1, 64)


def tweets_predict(n):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(901)
    x = c.ids(rng, n, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)
    xt = tf.constant(x)

    def build():
        keras.backend.clear_session()
        return tweets_model("lstm")

    def call_jit(m):
        f = tf.function(lambda v: m(v, training=False), jit_compile=True)
        return lambda: np.asarray(f(xt))

    configs = {
        "predict": c.predict_rep(build, lambda m: lambda: m.predict(x, batch_size=32, verbose=0), n),
        "call": c.predict_rep(build, lambda m: lambda: np.asarray(m(xt, training=False)), n),
        "call_jit": c.predict_rep(build, call_jit, n),
    }
    return configs, {}


def tokenizer(corpus):
    import keras

    try:
        from keras_preprocessing.text import Tokenizer
    except ImportError:
        from tf_keras.preprocessing.text import Tokenizer
    texts = c.read_corpus(corpus)

    def once():
        t = time.perf_counter()
        tok = Tokenizer()
        tok.fit_on_texts(texts)
        seqs = tok.texts_to_sequences(texts)
        padded = keras.utils.pad_sequences(seqs, maxlen=c.TWEETS_LEN)
        return time.perf_counter() - t, tok, padded

    def rep():
        cold, _, _ = once()
        steady, tok, padded = once()
        check = {"sequences_sha256": c.seq_sha(padded.tolist()),
                 "vocabulary_sha256": c.text_sha(list(tok.word_index))}
        return {"seconds": steady, "cold_s": cold, "check": check}

    return {"default": rep}, {}


def textvectorization(corpus):
    import tensorflow as tf
    from keras import layers

    texts = tf.constant(c.read_corpus(corpus))

    def once():
        t = time.perf_counter()
        tv = layers.TextVectorization(output_sequence_length=c.TWEETS_LEN)
        tv.adapt(texts)
        out = np.asarray(tv(texts))
        return time.perf_counter() - t, tv, out

    def rep():
        cold, _, _ = once()
        steady, tv, out = once()
        check = {"sequences_sha256": c.seq_sha(out.tolist()),
                 "vocabulary_sha256": c.text_sha([str(w) for w in tv.get_vocabulary()])}
        return {"seconds": steady, "cold_s": cold, "check": check}

    return {"default": rep}, {}


def prepare(name, corpus):
    table = {
        "fortune500_simplernn1_50ep": lambda: fortune500(False, 50),
        "fortune500_stacked_30ep": lambda: fortune500(True, 30),
        "tweets_lstm64_5ep": lambda: tweets_fit("lstm"),
        "tweets_gru64_5ep": lambda: tweets_fit("gru"),
        "tweets_bilstm64_5ep": lambda: tweets_fit("bilstm"),
        "tweets_conv1d32_5ep": lambda: tweets_fit("conv1d"),
        "tweets_dense_gap_5ep": lambda: tweets_fit("gap"),
        "sst_lstm32_6ep": sst,
        "quora_siamese_1ep": quora,
        "tweets_lstm64_predict762": lambda: tweets_predict(c.TWEETS_VAL),
        "tweets_lstm64_predict1": lambda: tweets_predict(1),
        "tokenizer_137k": lambda: tokenizer(corpus),
        "textvectorization_137k": lambda: textvectorization(corpus),
    }
    if name not in table:
        raise c.Unavailable(f"unknown workload {name}")
    return table[name]()


if __name__ == "__main__":
    c.serve(versions, prepare, threads)
