//! Wrappers that let kerust models stand where other libraries expect their own estimators.
pub mod keras_classifier;
