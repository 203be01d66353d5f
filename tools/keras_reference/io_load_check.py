"""kerust → Keras interop check: load a model file written by kerust with real Keras and write
its predictions, so the Rust test can compare them with kerust's own.

Usage: python io_load_check.py FLAVOUR MODEL IN1.npy[,IN2.npy] OUT_PREFIX [WEIGHTS]
   or: python io_load_check.py --jobs JOBS_FILE
FLAVOUR: keras3 (keras.models.load_model) or tf2 (tf_keras.models.load_model).
Writes OUT_PREFIX{i}.npy per model output. With WEIGHTS, `model.load_weights(WEIGHTS)` first.
A JOBS_FILE holds one job per line, its arguments separated by tabs: one process checks many files
(importing TensorFlow costs seconds, a check milliseconds). A failing job prints
`JOB <n> FAILED` with its traceback to stderr, the others still run, and the exit status is 1.
"""
import os, sys, traceback
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np


def backend(flavour):
    if flavour == "tf2":
        import tf_keras as K
    elif flavour == "keras3":
        import keras as K
        try:  # registers keras_hub>TransformerEncoder etc. when keras-hub is installed
            import keras_hub  # noqa: F401
        except ImportError:
            pass
    else:
        raise ValueError(f"unknown flavour {flavour!r}: keras3 or tf2")
    return K


def run(flavour, path, inputs, prefix, weights=None):
    K = backend(flavour)
    model = K.models.load_model(path)
    if weights:
        model.load_weights(weights)
    xs = [np.load(p) for p in inputs.split(",")]
    x = xs if len(xs) > 1 else xs[0]
    fixed = model.inputs[0].shape[0]
    if fixed:
        # A fixed batch size (stateful layers): predict in batches of exactly that size, in order.
        preds = model.predict(x, batch_size=fixed, verbose=0)
    else:
        # A direct call, not predict(): predict traces a tf.function per model (seconds each
        # under load); the inference call computes the same outputs eagerly.
        preds = model(x, training=False)
    preds = preds if isinstance(preds, (list, tuple)) else [preds]
    for i, p in enumerate(preds):
        np.save(f"{prefix}{i}.npy", np.asarray(p).astype(np.float32))
    return getattr(model, "optimizer", None) is not None and getattr(model, "compiled", True)


if sys.argv[1] == "--jobs":
    with open(sys.argv[2], encoding="utf-8") as f:
        jobs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    failed = 0
    for n, args in enumerate(jobs):
        try:
            run(*args)
        except Exception:
            failed += 1
            print(f"JOB {n} FAILED: {args}\n{traceback.format_exc()}", file=sys.stderr)
    print(f"{len(jobs) - failed}/{len(jobs)} jobs ran")
    sys.exit(1 if failed else 0)
else:
    print("compiled:", run(*sys.argv[1:6]))
