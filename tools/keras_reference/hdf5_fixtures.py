"""Write the HDF5 fixtures that crates/hdf5/tests read (h5py + real Keras files).

Run: /work/kvenv/bin/python tools/keras_reference/hdf5_fixtures.py
Values follow simple formulas so the Rust tests recompute them instead of hard-coding numbers:
  * dataset/attribute arrays: see each comment below;
  * Keras weights: weight number k (0-based, in model.weights order), flat element i
    holds float32((k + 1) + i * 0.001).
"""
import io
import os
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "hdf5", "tests", "fixtures")


def formula_weights(weights):
    """Weight k, flat element i -> (k + 1) + i * 0.001 (float32)."""
    out = []
    for k, w in enumerate(weights):
        n = int(np.prod(w.shape))
        vals = (k + 1) + np.arange(n, dtype=np.float64) * 0.001
        out.append(vals.astype(np.float32).reshape(tuple(w.shape)))
    return out


def write_h5py_fixture(path, libver):
    """Nested groups, every dtype the reader supports, several layouts, string attrs."""
    with h5py.File(path, "w", libver=libver) as f:
        f.attrs["vlen_str"] = "héllo {\"json\": [1, 2]}"  # variable-length UTF-8 scalar
        f.attrs["fixed_str"] = np.bytes_(b"fixed")  # fixed-length scalar 'S5'
        f.attrs["str_array"] = np.array([b"dense/kernel:0", b"dense/bias:0", b""])  # 'S14'
        f.attrs["vlen_str_array"] = np.array(["a", "bcd", "ef"], dtype=h5py.string_dtype())
        f.attrs["int_scalar"] = np.int64(-42)
        f.attrs["float_scalar"] = np.float64(2.5)
        f.attrs["int_array"] = np.array([1, -2, 3], dtype=np.int32)
        f.attrs["float_array"] = np.array([0.5, 1.5], dtype=np.float32)

        g = f.create_group("a/b/c")
        g.attrs["depth"] = np.int32(3)
        # f32 2x3: i * 0.5 ; f64 4: i / 3
        g.create_dataset("f32", data=(np.arange(6, dtype=np.float32) * 0.5).reshape(2, 3))
        f["a"].create_dataset("f64", data=np.arange(4, dtype=np.float64) / 3.0)
        ints = f.create_group("ints")
        # i - 3 for i in 0..7, every integer width and both byte orders
        for name, dt in [("i8", "<i1"), ("i16", "<i2"), ("i32", "<i4"), ("i64", "<i8"),
                         ("u8", "<u1"), ("u16", "<u2"), ("u32", "<u4"), ("u64", "<u8"),
                         ("i32be", ">i4"), ("f64be", ">f8")]:
            base = np.arange(7) if name.startswith("u") else np.arange(7) - 3
            ints.create_dataset(name, data=base.astype(dt))
        f.create_dataset("scalar_f32", data=np.float32(7.25))
        # chunked + gzip + shuffle: 600 f32, value i * 0.25, chunks of 64 (last one partial)
        f.create_dataset("chunked", data=np.arange(600, dtype=np.float32) * 0.25,
                         chunks=(64,), compression="gzip", compression_opts=4, shuffle=True)
        # chunked 2-D without filters: 10x7 i32, value r * 100 + c, chunks 4x3
        f.create_dataset("chunked2d", data=(np.arange(10)[:, None] * 100 + np.arange(7)).astype(np.int32),
                         chunks=(4, 3))
        # compact layout: 5 f32, value i + 0.5
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((5,))
        dsid = h5py.h5d.create(f.id, b"compact", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(5, dtype=np.float32) + 0.5)
        dsid.close()
        # many members: forces several symbol-table nodes (old style) or dense links (new style)
        many = f.create_group("many")
        for i in range(20):
            many.create_dataset(f"d{i:02}", data=np.array([i], dtype=np.int64))
            many.attrs[f"attr{i:02}"] = np.int64(i)  # > 8 attrs: dense attribute storage with latest
        f.create_dataset("empty", data=np.zeros((0, 3), dtype=np.float32))
        f.create_group("empty_group")


def write_hostile_base(path):
    """Old-format file (no checksums) with distinctive extents the tests patch to 10^12:
    dataset w has 1234 elements, attribute a 1235 ints, attribute s 1236 strings."""
    with h5py.File(path, "w", libver="earliest") as f:
        d = f.create_dataset("w", data=np.full(1234, 0.5, dtype=np.float32))
        d.attrs["a"] = np.full(1235, 7, dtype=np.int64)
        d.attrs["s"] = np.array(["x"] * 1236, dtype=h5py.string_dtype())


def write_unsupported_attr(path):
    """Attributes outside the crate's model: a bool (decodes) and a compound (must be reported)."""
    with h5py.File(path, "w") as f:
        f.attrs["flag"] = True
        f.attrs["pair"] = np.array((1, 2.5), dtype=[("a", "<i4"), ("b", "<f8")])
        f.create_dataset("x", data=np.arange(3, dtype="f4"))


def keras_models():
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(5,), dtype="int32"),
        layers.Embedding(10, 4, name="embedding"),
        layers.LSTM(3, name="lstm"),
        layers.Dense(2, activation="softmax", name="dense"),
    ])
    model.set_weights(formula_weights(model.weights))
    return keras, model


def main():
    os.makedirs(OUT, exist_ok=True)
    write_h5py_fixture(os.path.join(OUT, "h5py_earliest.h5"), "earliest")
    write_h5py_fixture(os.path.join(OUT, "h5py_latest.h5"), "latest")
    write_hostile_base(os.path.join(OUT, "hostile_base.h5"))
    write_unsupported_attr(os.path.join(OUT, "unsupported_attr.h5"))

    keras, model = keras_models()
    model.save(os.path.join(OUT, "keras3_model.h5"))  # legacy HDF5 full model
    model.save_weights(os.path.join(OUT, "keras3.weights.h5"))  # Keras 3 weights-only
    buf = os.path.join(OUT, "_tmp.keras")
    model.save(buf)
    with zipfile.ZipFile(buf) as z:
        data = z.read("model.weights.h5")
    os.remove(buf)
    with open(os.path.join(OUT, "keras3_zip_model.weights.h5"), "wb") as fh:
        fh.write(data)

    try:
        import tf_keras
        m2 = tf_keras.Sequential([
            tf_keras.layers.Embedding(10, 4, input_length=5, name="embedding"),
            tf_keras.layers.LSTM(3, name="lstm"),
            tf_keras.layers.Dense(2, activation="softmax", name="dense"),
        ])
        m2.build((None, 5))
        m2.set_weights(formula_weights(m2.weights))
        m2.save(os.path.join(OUT, "tfkeras2_model.h5"))
    except ImportError as e:
        print("skip tf_keras fixture:", e)

    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
