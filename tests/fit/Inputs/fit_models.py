"""Refits fit_models.mlp's estimators with scikit-learn on the splits the
program wrote, and compares: metrics to 1e-6 relative, class predictions
exactly, values to 1e-4 relative. Prints `NAME: match` or `NAME: MISMATCH`."""
import re
import sys

import warnings

import numpy as np
import pandas as pd
from sklearn import linear_model, metrics, naive_bayes, decomposition

# newton-cg says it has not met tol=1e-10; it is within 1e-8 of the optimum.
warnings.filterwarnings("ignore")
out = open(sys.argv[1]).read()


def number(key):
    """`name metric` read from the line `name ... metric VALUE ...`."""
    name, metric = key.split(" ")
    for line in re.findall(r"^" + re.escape(name) + r" .*$", out, re.M):
        m = re.search(r"\b" + re.escape(metric) + r" (-?[0-9.e+-]+)", line)
        if m:
            return float(m.group(1))


def vector(key):
    m = re.search(re.escape(key) + r" \[([^\]]*)\]", out, re.S)
    return np.array([float(v) for v in m.group(1).replace("\n", " ").split(",")])


def compare(name, got, expected, rel):
    got, expected = np.atleast_1d(got), np.atleast_1d(expected)
    ok = got.shape == expected.shape and np.all(np.abs(got - expected) <= rel * np.maximum(np.abs(expected), 1e-6) + 1e-12)
    print(f"{name}: " + ("match" if ok else f"MISMATCH got {got[:5]} expected {expected[:5]}"))


def split(prefix, target):
    train, test = pd.read_csv(prefix + "_train.csv"), pd.read_csv(prefix + "_test.csv")
    # mlpc reads every number as float32.
    x = lambda t: t.drop(columns=[target]).to_numpy(np.float32).astype(np.float64)
    return x(train), train[target].to_numpy(), x(test), test[target].to_numpy()


xtr, ytr, xte, yte = split("d", "progression")
for name, model in [("linear_regression", linear_model.LinearRegression()),
                    ("ridge", linear_model.Ridge(alpha=0.5)),
                    ("lasso", linear_model.Lasso(alpha=0.2))]:
    p = model.fit(xtr, ytr).predict(xte)
    compare(name + " r2", number(name + " r2"), metrics.r2_score(yte, p), 1e-6)
    compare(name + " mse", number(name + " mse"), metrics.mean_squared_error(yte, p), 1e-6)
    compare(name + " mae", number(name + " mae"), metrics.mean_absolute_error(yte, p), 1e-6)
    if name == "linear_regression":
        compare(name + " predict", vector(name + " predict"), p, 1e-4)

xtr, ytr, xte, yte = split("i", "species")
logit = linear_model.LogisticRegression(C=0.5, solver="newton-cg", tol=1e-10, max_iter=100).fit(xtr, ytr)
nb = naive_bayes.GaussianNB().fit(xtr, ytr)
for name, model in [("logistic_regression", logit), ("naive_bayes", nb)]:
    compare(name + " accuracy", number(name + " accuracy"), metrics.accuracy_score(yte, model.predict(xte)), 1e-6)
    compare(name + " log_loss", number(name + " log_loss"), metrics.log_loss(yte, model.predict_proba(xte)), 1e-6)
compare("logistic_regression f1_weighted", number("logistic_regression f1_weighted"),
        metrics.f1_score(yte, logit.predict(xte), average="weighted"), 1e-6)
compare("naive_bayes precision_virginica", number("naive_bayes precision_virginica"),
        metrics.precision_score(yte == "virginica", nb.predict(xte) == "virginica"), 1e-6)
classes = list(logit.classes_)
compare("logistic_regression predict", vector("logistic_regression predict"),
        np.array([classes.index(c) for c in logit.predict(xte)], dtype=float), 0)
pca = decomposition.PCA(n_components=2, svd_solver="full").fit(xtr)
compare("pca first", vector("pca first"), pca.transform(xte)[0], 1e-4)

# kmeans: silhouette and adjusted Rand of our own clusters, as sklearn scores them.
clusters = vector("kmeans clusters")
compare("kmeans silhouette", number("kmeans silhouette"), metrics.silhouette_score(xtr, clusters), 1e-6)
compare("kmeans adjusted_rand", number("kmeans adjusted_rand"), metrics.adjusted_rand_score(ytr, clusters), 1e-6)

btr, bytr, bte, byte = split("b", "diagnosis")
binary = linear_model.LogisticRegression(C=0.3, solver="newton-cg", tol=1e-10, max_iter=100).fit(btr, bytr)
p = binary.predict_proba(bte)
compare("binary roc_auc", number("binary roc_auc"), metrics.roc_auc_score(byte == "malignant", p[:, 1]), 1e-6)
compare("binary roc_auc benign", number("binary benign"), metrics.roc_auc_score(byte == "benign", p[:, 0]), 1e-6)
compare("multiclass roc_auc", number("multiclass roc_auc"),
        metrics.roc_auc_score(yte, logit.predict_proba(xte), multi_class="ovr"), 1e-6)
