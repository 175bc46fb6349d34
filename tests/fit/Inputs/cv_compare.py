"""Compares mlprt-fit-driver's cross-validation lines with scikit-learn's, on
the same CSV file read as our reader stores it (compare.py's read):

  `cv v ...`           with cross_val_score(est, X, y, cv=KFold(folds)), to 1e-6
  `best name=v ...`    with GridSearchCV(est, grid, cv=KFold(folds)).best_params_

Prints `cv: match (...)` / `best: match (...)` or `...: MISMATCH ...`.
"""
import argparse
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import options_of, read, report, sklearn_model  # noqa: E402

# Our option names -> sklearn's parameter names (and how values convert).
SKLEARN_PARAM = {"alpha": ("alpha", float), "c": ("C", float), "fit_intercept": ("fit_intercept", bool)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("estimator")
    ap.add_argument("output", help="what mlprt-fit-driver printed")
    ap.add_argument("--train", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--labels", default="")
    ap.add_argument("--options", default="")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--grid", default="", help="as MLP_FIT_DRIVER_GRID: alpha=0.1|1;fit_intercept=1|0")
    a = ap.parse_args()

    options = options_of(a.estimator, a.options)
    labels = a.labels.split(",") if a.labels else []
    x, y = read(a.train, a.inputs.split(","), a.target, labels)
    lines = {f[0]: f[1:] for f in (line.split() for line in open(a.output)) if f}
    warnings.simplefilter("ignore", ConvergenceWarning)

    expected = cross_val_score(sklearn_model(a.estimator, options), x, y, cv=KFold(a.folds))
    got = lines.get("cv")
    report("cv", None if got is None else [float(v) for v in got], expected, atol=1e-6)

    if a.grid:
        grid = {}
        for item in a.grid.split(";"):
            name, values = item.split("=")
            param, convert = SKLEARN_PARAM[name]
            grid[param] = [convert(float(v)) for v in values.split("|")]
        search = GridSearchCV(sklearn_model(a.estimator, options), grid, cv=KFold(a.folds)).fit(x, y)
        want = {name: float(search.best_params_[SKLEARN_PARAM[name][0]]) for name in
                (item.split("=")[0] for item in a.grid.split(";"))}
        got = dict(item.split("=") for item in lines.get("best", []))
        got = {k: float(v) for k, v in got.items()}
        text = ",".join(f"{k}={v:g}" for k, v in want.items())
        if got == want:
            print(f"best: match ({text})")
        else:
            print(f"best: MISMATCH got {got} expected {want} (means {np.round(search.cv_results_['mean_test_score'], 6)})")


if __name__ == "__main__":
    main()
