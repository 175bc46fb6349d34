#!/usr/bin/python3
"""fit against scikit-learn: fit + predict of every estimator, measured in
the same run on the same generated data.

  /usr/bin/python3 bench/fit_vs_sklearn.py [--only NAME ...] [--driver PATH]

Ours is the runtime's estimator code that `fit` runs, timed inside
mlprt-fit-driver (MLP_FIT_DRIVER_TIME=1: fit and predict only, no CSV
reading), with every core; scikit-learn's is fit + predict in this process,
with its defaults (one thread for the estimators here, as n_jobs=None). Both
are the best of three runs. The issue's target: no estimator slower than
scikit-learn (ratio <= 1).
"""
import argparse, os, re, subprocess, sys, tempfile, time

import numpy as np
import pandas as pd
import sklearn
from sklearn import cluster, datasets, decomposition, ensemble, linear_model, naive_bayes, neighbors, tree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (our options, scikit-learn's estimator, data set)
CASES = {
    "linear_regression": ("", lambda: linear_model.LinearRegression(), "regression"),
    "ridge": ("alpha=1", lambda: linear_model.Ridge(alpha=1.0), "regression"),
    "lasso": ("alpha=0.1", lambda: linear_model.Lasso(alpha=0.1), "regression"),
    "logistic_regression": ("c=1", lambda: linear_model.LogisticRegression(C=1.0), "classes"),
    "naive_bayes": ("", lambda: naive_bayes.GaussianNB(), "classes"),
    "pca": ("n_components=5", lambda: decomposition.PCA(n_components=5), "blobs"),
    "kmeans": ("k=5,seed=0,n_init=10", lambda: cluster.KMeans(n_clusters=5, n_init=10, random_state=0), "blobs"),
    "knn": ("k=5", lambda: neighbors.KNeighborsClassifier(n_neighbors=5), "classes"),
    "decision_tree": ("max_depth=10", lambda: tree.DecisionTreeClassifier(max_depth=10, random_state=0), "classes"),
    "random_forest": ("n_estimators=100,seed=0", lambda: ensemble.RandomForestClassifier(n_estimators=100, random_state=0), "classes"),
}


def write_data(workdir, rows=20000, features=20):
    """Train/test CSVs (80/20) of three generated problems."""
    sets = {
        "regression": datasets.make_regression(rows, features, noise=10.0, random_state=0),
        "classes": datasets.make_classification(rows, features, n_informative=10, n_classes=3, random_state=0),
        "blobs": datasets.make_blobs(rows, features, centers=5, random_state=0),
    }
    columns = [f"x{i}" for i in range(features)]
    for name, (x, y) in sets.items():
        frame = pd.DataFrame(x.astype(np.float32), columns=columns)
        frame["y"] = y if name == "regression" else [f"c{v}" for v in y]
        cut = rows * 4 // 5
        frame[:cut].to_csv(os.path.join(workdir, name + "_train.csv"), index=False)
        frame[cut:].to_csv(os.path.join(workdir, name + "_test.csv"), index=False)
    return ",".join(columns)


def ours(driver, workdir, inputs, name, options, data):
    supervised = data != "blobs"
    labels = "" if data == "regression" else ",".join(f"c{v}" for v in range(3))
    cmd = [driver, name, options, os.path.join(workdir, data + "_train.csv"),
           os.path.join(workdir, data + "_test.csv"), inputs, "y" if supervised else "",
           labels if supervised else ""]
    best = float("inf")
    for _ in range(3):
        out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, MLP_FIT_DRIVER_TIME="1"))
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
        m = re.search(r"^time fit ([0-9.e-]+) predict ([0-9.e-]+)$", out.stdout, re.M)
        best = min(best, float(m.group(1)) + float(m.group(2)))
    return best


def theirs(make, workdir, data):
    train = pd.read_csv(os.path.join(workdir, data + "_train.csv"))
    test = pd.read_csv(os.path.join(workdir, data + "_test.csv"))
    x, y = train.drop(columns="y").to_numpy(np.float64), train["y"].to_numpy()
    xt = test.drop(columns="y").to_numpy(np.float64)
    best = float("inf")
    for _ in range(3):
        model = make()
        start = time.perf_counter()
        if data == "blobs":
            model.fit(x)
            model.transform(xt) if hasattr(model, "explained_variance_") else model.predict(xt)
        else:
            model.fit(x, y)
            model.predict(xt)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--driver", default=os.path.join(ROOT, "build", "bin", "mlprt-fit-driver"))
    p.add_argument("--only", nargs="*", help="any of: " + " ".join(CASES))
    a = p.parse_args()
    workdir = tempfile.mkdtemp(prefix="mlpc-fit-bench-")
    inputs = write_data(workdir)
    print(f"scikit-learn {sklearn.__version__}; 16,000 training rows x 20 features, 4,000 to predict; "
          f"mlpc on {os.cpu_count()} cores\n")
    print(f"{'fit + predict (s)':22} {'mlpc':>9} {'sklearn':>9} {'ratio':>6}  target")
    for name, (options, make, data) in CASES.items():
        if a.only and name not in a.only:
            continue
        mine, ref = ours(a.driver, workdir, inputs, name, options, data), theirs(make, workdir, data)
        print(f"{name:22} {mine:9.4f} {ref:9.4f} {mine / ref:6.3f}  ratio <= 1", flush=True)


if __name__ == "__main__":
    main()
