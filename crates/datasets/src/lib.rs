//! Loaders for the lecture datasets, plus verified downloads (canonical URL + SHA-256) into a cache. No tensor dependency.
