//! Classification and regression metrics with scikit-learn semantics (accuracy, precision/recall/F1, confusion matrix, MSE, R², ROC AUC). No tensor dependency.
