"""Oracle for crates/metrics: records scikit-learn and keras.metrics outputs as JSON fixtures.

Run with the project venv:  /work/kvenv/bin/python tools/keras_reference/metrics_reference.py
Writes crates/metrics/tests/fixtures/{sklearn_classification,sklearn_scores,keras_streaming}.json and,
when the tweets data is available (KERUST_DATA or /work/shared/data), tweets_baseline.json.
NaN is written as null.
"""

import csv
import json
import math
import os
import sys

import numpy as np
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn import metrics as skm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "metrics", "tests", "fixtures")


def clean(x):
    """JSON-safe: numpy -> python, NaN -> None."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if math.isnan(x) else x
    return x


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(clean(obj), f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


def classification_cases():
    rng = np.random.RandomState(0)
    cases = []
    # Binary, random.
    yt = rng.randint(0, 2, 40)
    yp = np.where(rng.rand(40) < 0.7, yt, 1 - yt)
    cases.append(dict(name="binary", y_true=yt, y_pred=yp, pos_labels=[1, 0]))
    # Three classes, random.
    yt = rng.randint(0, 3, 60)
    yp = np.where(rng.rand(60) < 0.6, yt, rng.randint(0, 3, 60))
    cases.append(dict(name="multiclass3", y_true=yt, y_pred=yp))
    # Class 2 is never predicted: precision of class 2 is 0/0 (zero_division).
    yt = rng.randint(0, 3, 30)
    yp = rng.randint(0, 2, 30)
    cases.append(dict(name="never_predicted", y_true=yt, y_pred=yp))
    # Non-contiguous labels, one label only predicted (never true): recall 0/0.
    yt = rng.choice([1, 4, 9], 25)
    yp = np.where(rng.rand(25) < 0.5, yt, rng.choice([1, 4, 9, 7], 25))
    cases.append(dict(name="sparse_labels", y_true=yt, y_pred=yp, labels=[9, 4, 1, 5]))
    out = []
    for c in cases:
        yt, yp = c["y_true"], c["y_pred"]
        r = dict(name=c["name"], y_true=yt, y_pred=yp, accuracy=skm.accuracy_score(yt, yp))
        r["confusion_matrix"] = skm.confusion_matrix(yt, yp)
        if "labels" in c:
            r["labels"] = c["labels"]
            r["confusion_matrix_labels"] = skm.confusion_matrix(yt, yp, labels=c["labels"])
        rows = []
        averages = ["micro", "macro", "weighted", None]
        if len(np.union1d(yt, yp)) <= 2:
            averages = ["binary"] + averages
        for average in averages:
            for zd in ["warn", 0.0, 1.0, np.nan]:
                for labels in [None] + ([c["labels"]] if "labels" in c else []):
                    for pos in c.get("pos_labels", [1]):
                        if average != "binary" and pos != 1:
                            continue
                        p, rc, f, s = skm.precision_recall_fscore_support(
                            yt, yp, average=average, zero_division=zd, labels=labels, pos_label=pos)
                        fb = skm.fbeta_score(yt, yp, beta=0.5, average=average, zero_division=zd,
                                             labels=labels, pos_label=pos)
                        rows.append(dict(average=average, zero_division="nan" if zd is np.nan else str(zd if zd == "warn" else int(zd)),
                                         labels=labels, pos_label=pos, precision=p, recall=rc, f1=f,
                                         f05=fb, support=s))
        r["prfs"] = rows
        r["report"] = skm.classification_report(yt, yp)
        r["report_digits4_zero1"] = skm.classification_report(yt, yp, digits=4, zero_division=1)
        if "labels" in c:
            r["report_labels"] = skm.classification_report(yt, yp, labels=c["labels"])
        names = ["class %d is long" % k for k in np.union1d(yt, yp)]
        r["target_names"] = names
        r["report_names"] = skm.classification_report(yt, yp, target_names=names)
        out.append(r)
    return out


def score_cases():
    rng = np.random.RandomState(1)
    f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)  # noqa: E731
    reg = []
    for n in [1, 2, 17]:
        yt = f32(rng.randn(n) * 3)
        yp = f32(yt + rng.randn(n))
        reg.append(dict(y_true=yt, y_pred=yp))
    reg.append(dict(y_true=f32([2.0, 2.0, 2.0]), y_pred=f32([2.0, 2.0, 2.0])))
    reg.append(dict(y_true=f32([2.0, 2.0, 2.0]), y_pred=f32([2.0, 1.0, 2.0])))
    for r in reg:
        yt, yp = r["y_true"], r["y_pred"]
        r["mse"] = skm.mean_squared_error(yt, yp)
        r["mae"] = skm.mean_absolute_error(yt, yp)
        r["rmse"] = skm.root_mean_squared_error(yt, yp)
        r["r2"] = skm.r2_score(yt, yp)
    auc = []
    for n, decimals in [(30, 1), (50, 2), (200, 6)]:
        yt = rng.randint(0, 2, n) * 5 + 2  # labels 2 and 7: the larger is positive
        ys = f32(np.round(np.clip(rng.rand(n) * 0.6 + (yt == 7) * 0.3, 0, 1), decimals))
        auc.append(dict(y_true=yt, y_score=ys, auc=skm.roc_auc_score(yt, ys)))
    logloss = []
    yt = rng.randint(0, 2, 20)
    pb = f32(np.clip(rng.rand(20), 0, 1))
    pb[0] = 0.0
    pb[1] = 1.0
    logloss.append(dict(y_true=yt, y_prob=pb, n_columns=1, labels=None, loss=skm.log_loss(yt, pb),
                        loss_sum=skm.log_loss(yt, pb, normalize=False)))
    yt = rng.randint(0, 3, 15)
    raw = rng.rand(15, 3)
    pm = f32(raw / raw.sum(1, keepdims=True))
    logloss.append(dict(y_true=yt, y_prob=pm.ravel(), n_columns=3, labels=None,
                        loss=skm.log_loss(yt, pm), loss_sum=skm.log_loss(yt, pm, normalize=False)))
    yt2 = np.where(yt == 2, 0, yt)  # class 2 never true: needs labels
    logloss.append(dict(y_true=yt2, y_prob=pm.ravel(), n_columns=3, labels=[0, 1, 2],
                        loss=skm.log_loss(yt2, pm, labels=[0, 1, 2]),
                        loss_sum=skm.log_loss(yt2, pm, labels=[0, 1, 2], normalize=False)))
    return dict(regression=reg, roc_auc=auc, log_loss=logloss)


def keras_cases():
    import keras

    rng = np.random.RandomState(2)
    sizes = [5, 3, 8]
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    out = []

    def stream(name, metric, batches):
        results = []
        for yt, yp in batches:
            metric.update_state(yt, yp)
            results.append(float(metric.result()))
        rec = dict(metric=name, name=metric.name,
                   batches=[dict(y_true=f32(yt).ravel(), y_true_shape=list(np.shape(yt)),
                                 y_pred=f32(yp).ravel(), y_pred_shape=list(np.shape(yp)))
                            for yt, yp in batches],
                   results=results)
        metric.reset_state()
        rec["after_reset"] = float(metric.result())
        out.append(rec)

    # Probabilities on a 0.05 grid make ties and exact-threshold values (0.5, bucket edges).
    def probs(n):
        return f32(np.round(rng.rand(n) * 20) / 20)

    bin_batches = [(f32(rng.randint(0, 2, n)), probs(n).reshape(n, 1)) for n in sizes]
    stream("BinaryAccuracy", keras.metrics.BinaryAccuracy(), bin_batches)
    stream("BinaryAccuracy_t0.7", keras.metrics.BinaryAccuracy(threshold=0.7), bin_batches)
    flat_batches = [(f32(rng.randint(0, 2, n)), probs(n)) for n in sizes]
    stream("BinaryAccuracy", keras.metrics.BinaryAccuracy(), flat_batches)
    for cls, kw, tag in [(keras.metrics.AUC, {}, "AUC"),
                         (keras.metrics.AUC, dict(curve="PR"), "AUC_PR"),
                         (keras.metrics.AUC, dict(curve="PR", summation_method="minoring"), "AUC_PR_minoring"),
                         (keras.metrics.AUC, dict(summation_method="majoring"), "AUC_majoring"),
                         (keras.metrics.AUC, dict(num_thresholds=7), "AUC_n7"),
                         (keras.metrics.Precision, {}, "Precision"),
                         (keras.metrics.Recall, {}, "Recall"),
                         (keras.metrics.Precision, dict(thresholds=0.3), "Precision_t0.3")]:
        stream(tag, cls(**kw), bin_batches)
        stream(tag, cls(**kw), flat_batches)
    logit_batches = [(f32(rng.randint(0, 2, n)), f32(rng.randn(n, 1) * 2)) for n in sizes]
    stream("AUC_logits", keras.metrics.AUC(from_logits=True), logit_batches)

    def softmax_rows(n, k=4):
        raw = np.round(rng.rand(n, k) * 10) / 10  # ties inside rows exercise argmax's first-max rule
        return f32(raw)

    onehot = [(f32(np.eye(4)[rng.randint(0, 4, n)]), softmax_rows(n)) for n in sizes]
    stream("CategoricalAccuracy", keras.metrics.CategoricalAccuracy(), onehot)
    sparse = [(f32(rng.randint(0, 4, n)), softmax_rows(n)) for n in sizes]
    stream("SparseCategoricalAccuracy", keras.metrics.SparseCategoricalAccuracy(), sparse)
    sparse_col = [(yt.reshape(-1, 1), yp) for yt, yp in sparse]
    stream("SparseCategoricalAccuracy", keras.metrics.SparseCategoricalAccuracy(), sparse_col)
    pc = keras.metrics.Precision(class_id=2)
    stream("Precision_class2", pc, onehot)
    reg_col = [(f32(rng.randn(n, 1)), f32(rng.randn(n, 1))) for n in sizes]
    reg_flat = [(f32(rng.randn(n)), f32(rng.randn(n))) for n in sizes]
    reg_2d = [(f32(rng.randn(n, 3)), f32(rng.randn(n, 3))) for n in sizes]
    for b in [reg_col, reg_flat, reg_2d]:
        stream("MeanSquaredError", keras.metrics.MeanSquaredError(), b)
        stream("MeanAbsoluteError", keras.metrics.MeanAbsoluteError(), b)
    return dict(keras_version=keras.__version__, cases=out)


def tweets_baseline():
    """Lecture 003: TF-IDF + MultinomialNB baseline on the Kaggle tweets, sklearn weighted averages."""
    data = os.environ.get("KERUST_DATA", "/work/shared/data")
    path = os.path.join(data, "nlp_getting_started", "train.csv")
    if not os.path.exists(path):
        print("skip tweets_baseline.json: no", path)
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import Pipeline

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    text = np.array([r["text"] for r in rows], dtype=object)
    target = np.array([int(r["target"]) for r in rows])
    # train_df.sample(frac=1, random_state=42) is RandomState(42).permutation.
    perm = np.random.RandomState(42).permutation(len(rows))
    tr_s, va_s, tr_l, va_l = train_test_split(text[perm], target[perm], test_size=0.1, random_state=42)
    model = Pipeline([("tfidf", TfidfVectorizer()), ("clf", MultinomialNB())]).fit(tr_s, tr_l)
    preds = model.predict(va_s)
    p, r, f1, _ = skm.precision_recall_fscore_support(va_l, preds, average="weighted")
    res = dict(source="lecture 003 (tweets) model_0 baseline, reproduced from nlp_getting_started/train.csv",
               val_labels=va_l, baseline_preds=preds,
               accuracy=skm.accuracy_score(va_l, preds) * 100, precision=p, recall=r, f1=f1,
               report=skm.classification_report(va_l, preds))
    print("tweets baseline:", res["accuracy"], p, r, f1)
    return res


def main():
    os.makedirs(OUT, exist_ok=True)
    write("sklearn_classification.json", classification_cases())
    write("sklearn_scores.json", score_cases())
    tb = tweets_baseline()
    if tb is not None:
        write("tweets_baseline.json", tb)
    if "--no-keras" not in sys.argv:
        write("keras_streaming.json", keras_cases())


if __name__ == "__main__":
    main()
