//! Pure-Rust HDF5 subset: groups, attributes and contiguous datasets as written by h5py and Keras.
