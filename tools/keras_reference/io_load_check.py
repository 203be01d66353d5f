"""kerust → Keras interop check: load a model file written by kerust with real Keras and write
its predictions, so the Rust test can compare them with kerust's own.

Usage: python io_load_check.py FLAVOUR MODEL IN1.npy[,IN2.npy] OUT_PREFIX [WEIGHTS]
FLAVOUR: keras3 (keras.models.load_model) or tf2 (tf_keras.models.load_model).
Writes OUT_PREFIX{i}.npy per model output. With WEIGHTS, `model.load_weights(WEIGHTS)` first.
"""
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np

flavour, path, inputs, prefix = sys.argv[1:5]
if flavour == "tf2":
    import tf_keras as K
else:
    import keras as K
    try:  # registers keras_hub>TransformerEncoder etc. when keras-hub is installed
        import keras_hub  # noqa: F401
    except ImportError:
        pass
model = K.models.load_model(path)
if len(sys.argv) > 5:
    model.load_weights(sys.argv[5])
xs = [np.load(p) for p in inputs.split(",")]
preds = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
preds = preds if isinstance(preds, (list, tuple)) else [preds]
for i, p in enumerate(preds):
    np.save(f"{prefix}{i}.npy", np.asarray(p, dtype=np.float32))
print("compiled:", getattr(model, "optimizer", None) is not None and getattr(model, "compiled", True))
