"""Compares what mlprt-fit-driver printed for one estimator with scikit-learn,
refitted here on the same CSV files. Prints one line per quantity compared:
`NAME: match (...)` or `NAME: MISMATCH got ... expected ...`.

The inputs are read as our CSV reader stores them: numbers as float32 (then
float64 for sklearn), so both sides fit the very same values.
"""
import argparse
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB

RTOL, ATOL = 1e-4, 1e-6  # parameters and predictions: relative, floored near 0


def sklearn_model(name, o):
    """The sklearn estimator for our `name` and options `o` (defaults filled)."""
    intercept = bool(o.get("fit_intercept", 1))
    if name == "linear_regression":
        return LinearRegression(fit_intercept=intercept)
    if name == "ridge":
        return Ridge(alpha=o["alpha"], fit_intercept=intercept)
    if name == "lasso":
        return Lasso(alpha=o["alpha"], fit_intercept=intercept, max_iter=int(o["max_iter"]), tol=o["tol"])
    if name == "logistic_regression":
        # Ours is Newton's method, solved to machine precision (its max_iter
        # counts Newton steps, so it is not passed on). sklearn's lbfgs stops
        # on its relative decrease (ftol 64·eps) well before tol=1e-10: 1e-3
        # off the optimum on iris, 3e-4 on standardized breast_cancer. Its
        # newton-cg reaches ~1e-8 in under 50 iterations; its tol=1e-10 is
        # never met exactly, so cap it at 100 and silence that warning.
        return LogisticRegression(C=o["c"], fit_intercept=intercept, solver="newton-cg", tol=1e-10, max_iter=100)
    if name == "naive_bayes":
        return GaussianNB(var_smoothing=o["var_smoothing"])
    if name == "pca":
        # The exact SVD ("auto" picks a randomized one for larger data).
        return PCA(n_components=int(o["n_components"]), svd_solver="full")
    raise SystemExit(f"compare.py: unknown estimator {name}")


DEFAULTS = {
    "linear_regression": {"fit_intercept": 1},
    "ridge": {"alpha": 1.0, "fit_intercept": 1},
    "lasso": {"alpha": 1.0, "fit_intercept": 1, "max_iter": 1000, "tol": 1e-4},
    "logistic_regression": {"c": 1.0, "fit_intercept": 1, "max_iter": 100},
    "naive_bayes": {"var_smoothing": 1e-9},
    "pca": {"n_components": 2},
}

# Our parameter and number names -> sklearn's attributes.
PARAMS = {
    "linear_regression": {"coef": "coef_", "intercept": "intercept_"},
    "ridge": {"coef": "coef_", "intercept": "intercept_"},
    "lasso": {"coef": "coef_", "intercept": "intercept_"},
    "logistic_regression": {"coef": "coef_", "intercept": "intercept_"},
    "naive_bayes": {"theta": "theta_", "var": "var_", "class_prior": "class_prior_"},
    "pca": {"components": "components_", "mean": "mean_", "explained_variance": "explained_variance_",
            "explained_variance_ratio": "explained_variance_ratio_"},
}
NUMBERS = {"lasso": {"n_iter": "n_iter_"}}


def parse_output(path):
    """The driver's lines: params (as matrices), numbers, predictions, metrics."""
    params, numbers, metric_values, predict = {}, {}, {}, None
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "param":
            rows, cols = int(f[2]), int(f[3])
            params[f[1]] = np.array([float(v) for v in f[4:]]).reshape(rows, cols)
        elif f[0] == "number":
            numbers[f[1]] = float(f[2])
        elif f[0] == "metric":
            metric_values[f[1]] = float(f[2])
        elif f[0] == "predict":
            predict = np.array([float(v) for v in f[1:]])
    return params, numbers, predict, metric_values


def read(path, inputs, target, labels):
    """x (float32 values as float64) and y (class indices, values, or None)."""
    d = pd.read_csv(path)
    x = d[inputs].to_numpy(dtype=np.float32).astype(np.float64)
    if not target:
        return x, None
    if labels:
        index = {label: i for i, label in enumerate(labels)}
        return x, d[target].map(index).to_numpy(dtype=np.int64)
    return x, d[target].to_numpy(dtype=np.float32).astype(np.float64)


def report(name, got, expected, exact=False, atol=None):
    """One line: relative (floored) comparison, exact, or absolute with atol."""
    if got is None:
        print(f"{name}: MISMATCH missing from the driver's output")
        return
    got, expected = np.atleast_1d(np.asarray(got, dtype=np.float64)), np.atleast_1d(np.asarray(expected, dtype=np.float64))
    if got.shape != expected.shape:
        print(f"{name}: MISMATCH shape got {got.shape} expected {expected.shape}")
        return
    diff = np.abs(got - expected)
    if exact:
        bad = diff != 0
        summary = f"{int(bad.sum())} of {got.size} differ"
    elif atol is not None:
        bad = ~(diff <= atol)
        summary = f"max abs diff {diff.max():.3g}"
    else:
        # Relative to |expected|, floored at ATOL/RTOL: within RTOL means a match.
        rel = diff / np.maximum(np.abs(expected), ATOL / RTOL)
        bad = ~(rel <= RTOL)
        summary = f"max rel diff {rel.max():.3g}"
    if bad.any():
        i = int(np.argmax(bad.ravel()))
        print(f"{name}: MISMATCH got {got.ravel()[i]!r} expected {expected.ravel()[i]!r} "
              f"(at {i}; {summary})")
    else:
        print(f"{name}: match ({summary})")


def options_of(estimator, text):
    """The estimator's defaults, overridden by the driver's `name=value,...`."""
    options = dict(DEFAULTS[estimator])
    for item in filter(None, text.split(",")):
        key, value = item.split("=")
        options[key.strip()] = float(value)
    return options


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("estimator")
    ap.add_argument("output", help="what mlprt-fit-driver printed")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--inputs", required=True, help="comma list of input columns")
    ap.add_argument("--target", default="")
    ap.add_argument("--labels", default="", help="comma list of class labels (classification)")
    ap.add_argument("--options", default="", help="as given to the driver: name=value,...")
    a = ap.parse_args()

    options = options_of(a.estimator, a.options)
    inputs = a.inputs.split(",")
    labels = a.labels.split(",") if a.labels else []
    x, y = read(a.train, inputs, a.target, labels)
    tx, ty = read(a.test, inputs, a.target, labels)

    model = sklearn_model(a.estimator, options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y) if y is not None else model.fit(x)
    params, numbers, predict, metric_values = parse_output(a.output)

    for ours, theirs in PARAMS[a.estimator].items():
        value = np.asarray(getattr(model, theirs), dtype=np.float64)
        got = params.get(ours)
        # sklearn's vectors are our 1 × n rows.
        report(ours, got, value.reshape(got.shape) if got is not None and got.size == value.size else value)
    for ours, theirs in NUMBERS.get(a.estimator, {}).items():
        report(ours, numbers.get(ours), getattr(model, theirs), exact=True)

    if a.estimator == "pca":
        report("predict", predict, model.transform(tx).ravel())
    elif labels:
        report("predict", predict, model.predict(tx), exact=True)
        probabilities = model.predict_proba(tx)
        report("accuracy", metric_values.get("accuracy"), metrics.accuracy_score(ty, model.predict(tx)), atol=1e-6)
        report("log_loss", metric_values.get("log_loss"),
               metrics.log_loss(ty, probabilities, labels=list(range(len(labels)))), atol=1e-5)
    else:
        expected = model.predict(tx)
        report("predict", predict, expected)
        if ty is not None:
            report("mse", metric_values.get("mse"), metrics.mean_squared_error(ty, expected))
            report("r2", metric_values.get("r2"), metrics.r2_score(ty, expected))


if __name__ == "__main__":
    main()
