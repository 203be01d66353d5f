"""Check that files written by kerust-hdf5 read correctly in h5py, and (when installed) Keras.

Called by crates/hdf5/tests/h5py_interop.rs as: PYTHON hdf5_interop_check.py DIR
DIR holds:
  rust_sample.h5            -- crates/hdf5/tests/common/mod.rs::sample_file() (formulas below)
  rust_keras3_model.h5      -- keras3_model.h5 fixture read and re-written by Rust
  rust_keras3.weights.h5    -- keras3.weights.h5 fixture re-written by Rust
  rust_tfkeras2_model.h5    -- tfkeras2_model.h5 fixture re-written by Rust
  fixtures/                 -- path of the original fixtures (argument 2)
Prints one line per check; exits non-zero on the first mismatch.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py
import numpy as np


def check(cond, what):
    if not cond:
        print("MISMATCH:", what)
        sys.exit(1)


def check_sample(path):
    with h5py.File(path, "r") as f:
        a = f.attrs
        check(a["title"] == "héllo wörld", f"title {a['title']!r}")
        check([x.decode() if isinstance(x, bytes) else x for x in a["names"]] == ["dense/kernel:0", "", "b"],
              f"names {a['names']!r}")
        check(a["count"] == -5 and a["count"].dtype == np.int64, "count")
        check(a["ratio"] == 0.125 and a["ratio"].dtype == np.float64, "ratio")
        check(a["empty"].shape == (0,), f"empty {a['empty']!r}")
        check(list(a["ints"]) == [1, -2, 3], "ints")
        check(list(a["floats"]) == [0.5, 2.0], "floats")
        check(int(a["big"]) == 2**64 - 1, "big")
        d = f["g/sub/f32"]
        check(d.dtype == np.float32 and d.shape == (2, 3), f"f32 {d.dtype} {d.shape}")
        check(np.array_equal(d[()], (np.arange(6, dtype=np.float32) * 0.5).reshape(2, 3)), "f32 values")
        check(d.attrs["unit"] == "m", "unit")
        check(np.array_equal(f["g/f64"][()], np.arange(4) / 3.0) and f["g/f64"].dtype == np.float64, "f64")
        check(f["g/i32"].dtype == np.int32 and list(f["g/i32"][()]) == [-1, 0, 1], "i32")
        s = f["g/i64_scalar"]
        check(s.shape == () and s.dtype == np.int64 and s[()] == 42, "i64 scalar")
        check(f["u8"].dtype == np.uint8 and list(f["u8"][()]) == [7, 255], "u8")
        strs = [x.decode() if isinstance(x, bytes) else x for x in f["strings"][()]]
        check(strs == ["x", "yz", "ünï"], f"strings {strs}")
        check(f["empty"].shape == (0, 3) and f["empty"].dtype == np.float32, "empty dataset")
        check(len(f["empty_group"]) == 0, "empty group")
        many = f["many"]
        check(list(many.keys()) == [f"d{i:02}" for i in range(20)] and many.attrs["n"] == 20, "many")
        check(all(many[f"d{i:02}"][0] == i for i in range(20)), "many values")
    print("OK h5py reads rust_sample.h5 (attrs, 8 datasets, 20-member group)")


def formula(shape, k):
    n = int(np.prod(shape))
    return ((k + 1) + np.arange(n, dtype=np.float64) * 0.001).astype(np.float32).reshape(shape)


def check_weights(model, what):
    for k, w in enumerate(model.get_weights()):
        check(np.array_equal(w, formula(w.shape, k)), f"{what}: weight {k}")


def check_keras(d, fixtures):
    try:
        import keras
    except ImportError as e:
        print("SKIP keras checks:", e)
        return
    x = np.array([[1, 2, 3, 4, 5], [0, 9, 8, 7, 6]], dtype=np.int32)
    original = keras.models.load_model(os.path.join(fixtures, "keras3_model.h5"))
    mine = keras.models.load_model(os.path.join(d, "rust_keras3_model.h5"))
    check_weights(mine, "keras 3 load_model(rust_keras3_model.h5)")
    check(np.array_equal(original.predict(x, verbose=0), mine.predict(x, verbose=0)), "keras 3 predictions")
    print("OK keras", keras.__version__, "load_model(rust_keras3_model.h5): weights and predictions equal")
    fresh = keras.models.clone_model(original)
    fresh.load_weights(os.path.join(d, "rust_keras3.weights.h5"))
    check_weights(fresh, "keras 3 load_weights(rust_keras3.weights.h5)")
    print("OK keras load_weights(rust_keras3.weights.h5)")
    try:
        import tf_keras
    except ImportError as e:
        print("SKIP tf_keras check:", e)
        return
    m2 = tf_keras.models.load_model(os.path.join(d, "rust_tfkeras2_model.h5"))
    check_weights(m2, "tf_keras load_model(rust_tfkeras2_model.h5)")
    print("OK tf_keras", tf_keras.__version__, "load_model(rust_tfkeras2_model.h5)")


if __name__ == "__main__":
    check_sample(os.path.join(sys.argv[1], "rust_sample.h5"))
    check_keras(sys.argv[1], sys.argv[2])
