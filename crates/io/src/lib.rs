//! Model files: Keras `.h5` and `.keras` in both directions, the native saved-model directory, and atomic checkpoints.
