"""Compares the metrics mlprt-fit-driver printed for a classifier with
scikit-learn's (tests/fit/metrics_vs_sklearn.test). Prints one line per
metric and reference: `NAME [sklearn model]: match (...)` against sklearn's
metric on sklearn's own refitted model (compare.py's: its probabilities and
predictions), and `NAME [our proba]: match (...)` against sklearn's metric
on the probabilities the driver printed (`proba`), or `... MISMATCH ...`.

The first checks the whole path (our fit, our probabilities in double
precision, our metric) to --rtol; the second the metric alone, to 1e-12.
"""
import argparse
import os
import sys
import warnings

import numpy as np
from sklearn import metrics
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import options_of, read, sklearn_model  # noqa: E402


def parse(path):
    """The driver's `metric NAME v` lines and its `proba` values."""
    values, proba = {}, None
    for line in open(path):
        f = line.split()
        if f and f[0] == "metric":
            values[f[1]] = float(f[2])
        elif f and f[0] == "proba":
            proba = np.array([float(v) for v in f[1:]])
    return values, proba


def sklearn_metric(name, y, p, labels):
    """Our metric `name` as sklearn computes it for true classes y and
    probabilities p (rows × classes); predictions are p's argmax."""
    pred = p.argmax(axis=1)
    base, _, label = name.partition(":")
    base, _, average = base.partition("@")
    if base == "accuracy":
        return metrics.accuracy_score(y, pred)
    if base == "log_loss":
        # The runtime clips at 1e-15 (sklearn 1.2's default eps is its f64 epsilon).
        return metrics.log_loss(y, p, labels=list(range(len(labels))), eps=1e-15)
    if base == "roc_auc":
        if label:
            k = labels.index(label)
            return metrics.roc_auc_score(y == k, p[:, k])
        if len(labels) == 2:
            return metrics.roc_auc_score(y, p[:, 1])
        return metrics.roc_auc_score(y, p, multi_class="ovr")
    score = {"precision": metrics.precision_score, "recall": metrics.recall_score, "f1": metrics.f1_score}[base]
    if label:
        return score(y, pred, labels=[labels.index(label)], average=None)[0]
    return score(y, pred, average=average or "macro")


def report(name, got, expected, rtol):
    rel = abs(got - expected) / max(abs(expected), 1e-300)
    if rel <= rtol or got == expected:
        print(f"{name}: match (rel diff {rel:.3g})")
    else:
        print(f"{name}: MISMATCH got {got!r} expected {expected!r} (rel diff {rel:.3g})")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("estimator")
    ap.add_argument("output", help="what mlprt-fit-driver printed")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--options", default="")
    ap.add_argument("--rtol", type=float, default=1e-7)
    a = ap.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", UndefinedMetricWarning)

    options = options_of(a.estimator, a.options)
    inputs, labels = a.inputs.split(","), a.labels.split(",")
    x, y = read(a.train, inputs, a.target, labels)
    tx, ty = read(a.test, inputs, a.target, labels)
    model = sklearn_model(a.estimator, options).fit(x, y)
    theirs = model.predict_proba(tx)

    values, proba = parse(a.output)
    if proba is None or proba.size != theirs.size:
        print("proba: MISMATCH missing or of the wrong size")
        return
    ours = proba.reshape(theirs.shape)
    if not values:
        print("metrics: MISMATCH none printed")
    for name, got in values.items():
        report(f"{name} [sklearn model]", got, sklearn_metric(name, ty, theirs, labels), a.rtol)
        report(f"{name} [our proba]", got, sklearn_metric(name, ty, ours, labels), 1e-12)


if __name__ == "__main__":
    main()
