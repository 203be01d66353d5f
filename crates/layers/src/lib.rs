//! Keras layers, Sequential and functional models, losses, optimizers, callbacks and regularizers.
