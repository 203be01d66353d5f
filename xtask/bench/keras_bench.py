"""Keras (TensorFlow backend) side of `cargo xtask bench`: the same workloads as
xtask/src/bench/workloads.rs, with Keras defaults (including its default jit_compile setting).
Protocol and data: see bench_common.py."""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import bench_common as c  # noqa: E402


def versions():
    import tensorflow as tf
    import keras

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def fit_rep(build, x, y, epochs, batch):
    import keras

    def rep():
        keras.backend.clear_session()
        model = build()
        t = time.perf_counter()
        model.fit(x, y, epochs=epochs, batch_size=batch, verbose=0)
        return time.perf_counter() - t

    return rep


def fortune500(stacked, epochs):
    import keras
    from keras import layers

    x, y = c.fortune500(np.random.default_rng(500))

    def build():
        if stacked:
            rnn = [layers.SimpleRNN(10, return_sequences=True), layers.SimpleRNN(5, return_sequences=True),
                   layers.SimpleRNN(1)]
        else:
            rnn = [layers.SimpleRNN(1)]
        m = keras.Sequential([keras.Input((None, 1))] + rnn)
        m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
        return m

    return fit_rep(build, x, y, epochs, 32)


def tweets_model(head):
    import keras
    from keras import layers

    heads = {
        "lstm": lambda: [layers.LSTM(64)],
        "gru": lambda: [layers.GRU(64)],
        "bilstm": lambda: [layers.Bidirectional(layers.LSTM(64))],
        "conv1d": lambda: [layers.Conv1D(32, 5, activation="relu"), layers.GlobalMaxPooling1D()],
        "gap": lambda: [layers.GlobalAveragePooling1D()],
    }
    m = keras.Sequential(
        [keras.Input((c.TWEETS_LEN,), dtype="int32"), layers.Embedding(c.TWEETS_VOCAB, 128)]
        + heads[head]()
        + [layers.Dense(1, activation="sigmoid")]
    )
    m.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"])
    return m


def tweets_fit(head):
    rng = np.random.default_rng(900)
    x = c.ids(rng, c.TWEETS_TRAIN, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)
    y = c.binary_labels(rng, c.TWEETS_TRAIN)
    return fit_rep(lambda: tweets_model(head), x, y, 5, 32)


def sst():
    import keras
    from keras import layers

    rng = np.random.default_rng(902)
    x = c.ids(rng, c.SST_TRAIN, c.SST_LEN, c.SST_VOCAB, 3)
    y = c.class_labels(rng, c.SST_TRAIN, 2)

    def build():
        m = keras.Sequential([keras.Input((c.SST_LEN,), dtype="int32"), layers.Embedding(c.SST_VOCAB, 32),
                              layers.LSTM(32), layers.Dense(2, activation="softmax")])
        m.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        return m

    return fit_rep(build, x, y, 6, 150)


def quora():
    import keras
    from keras import layers
    from keras.regularizers import l2

    rng = np.random.default_rng(903)
    q1, q2 = c.quora_ids(rng, c.QUORA_TRAIN), c.quora_ids(rng, c.QUORA_TRAIN)
    y = c.binary_labels(rng, c.QUORA_TRAIN)

    def build():
        in1 = keras.Input((c.QUORA_LEN,), dtype="int32")
        in2 = keras.Input((c.QUORA_LEN,), dtype="int32")
        emb = layers.Embedding(c.QUORA_MAX_FEATURES + 2, 128, embeddings_regularizer=l2(0.0001))
        lstm = layers.LSTM(128, kernel_regularizer=l2(0.0001))
        v1, v2 = lstm(emb(in1)), lstm(emb(in2))
        out = layers.Dense(1, activation="sigmoid")(layers.Dot(axes=1)([v1, v2]))
        m = keras.Model([in1, in2], out)
        m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return m

    return fit_rep(build, [q1, q2], y, 1, 64)


def tweets_predict(n):
    rng = np.random.default_rng(901)
    x = c.ids(rng, n, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)
    model = tweets_model("lstm")
    model.predict(x, batch_size=32, verbose=0)  # warm-up: tracing
    return lambda: c.time_predict(lambda: model.predict(x, batch_size=32, verbose=0), n)


def tokenizer(corpus):
    import keras

    try:
        from keras_preprocessing.text import Tokenizer
    except ImportError:
        from tf_keras.preprocessing.text import Tokenizer
    texts = c.read_corpus(corpus)

    def rep():
        t = time.perf_counter()
        tok = Tokenizer()
        tok.fit_on_texts(texts)
        seqs = tok.texts_to_sequences(texts)
        keras.utils.pad_sequences(seqs, maxlen=c.TWEETS_LEN)
        return time.perf_counter() - t

    return rep


def textvectorization(corpus):
    import tensorflow as tf
    from keras import layers

    texts = tf.constant(c.read_corpus(corpus))

    def rep():
        t = time.perf_counter()
        tv = layers.TextVectorization(output_sequence_length=c.TWEETS_LEN)
        tv.adapt(texts)
        out = tv(texts)
        np.asarray(out)
        return time.perf_counter() - t

    return rep


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
    c.serve(versions, prepare)
