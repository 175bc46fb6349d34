"""Compares mlprt-fit-driver's kmeans, knn, decision_tree and random_forest
with scikit-learn's, refitted here on the same CSV files.

  compare_trees.py split DATA.csv SEED TEST_ROWS TRAIN.csv TEST.csv
      shuffles DATA.csv's rows (header kept, lines unchanged) with SEED and
      writes the last TEST_ROWS to TEST.csv, the rest to TRAIN.csv.
  compare_trees.py blobs OUT.csv
      writes 4 clearly separated gaussian blobs (columns a,b,c).
  compare_trees.py ESTIMATOR OUT.txt TRAIN.csv TEST.csv INPUTS TARGET LABELS OPTIONS [MIN_ARI]
      reads the driver's output OUT.txt, fits scikit-learn with the same
      options and prints one line per check, `NAME: match` or `NAME:
      MISMATCH ...`, with the numbers compared. kmeans: the adjusted Rand
      index of our clusters against scikit-learn's must reach MIN_ARI (0.95).

Inputs are cast to float32 and back, as the runtime's CSV reader stores f32.
"""
import random
import sys

import numpy as np
import pandas as pd


def split(data, seed, test_rows, train_path, test_path):
    with open(data) as f:
        header, *lines = f.read().splitlines()
    random.Random(int(seed)).shuffle(lines)
    test_rows = int(test_rows)
    for path, rows in ((train_path, lines[:-test_rows]), (test_path, lines[-test_rows:])):
        with open(path, "w") as f:
            f.write("\n".join([header] + rows) + "\n")


def blobs(path):
    from sklearn.datasets import make_blobs
    x, _ = make_blobs(n_samples=300, n_features=3, centers=[[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]],
                      cluster_std=1.0, random_state=0)
    pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(path, index=False, float_format="%.6f")


def read_output(path):
    params, numbers, predict, metrics = {}, {}, None, {}
    for line in open(path):
        kind, name, *rest = line.split()
        if kind == "param":
            rows, cols = int(rest[0]), int(rest[1])
            params[name] = np.array(rest[2:], dtype=float).reshape(rows, cols)
        elif kind == "number":
            numbers[name] = float(rest[0])
        elif kind == "predict":
            predict = np.array([name] + rest, dtype=float)
        elif kind == "metric":
            metrics[name] = float(rest[0])
    return params, numbers, predict, metrics


def check(name, ok, detail):
    print(f"{name}: {'match' if ok else 'MISMATCH'} ({detail})")


def main(estimator, out, train_path, test_path, inputs, target, labels, options, min_ari="0.95"):
    inputs = inputs.split(",")
    opts = dict(item.split("=") for item in options.split(",") if item)
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    x = train[inputs].to_numpy(dtype=np.float32).astype(np.float64)
    xt = test[inputs].to_numpy(dtype=np.float32).astype(np.float64)
    classification = bool(labels)
    names = labels.split(",") if labels else []
    if target:
        y = train[target].astype(str).to_numpy() if classification else train[target].to_numpy(dtype=np.float64)
        yt = test[target].astype(str).to_numpy() if classification else test[target].to_numpy(dtype=np.float64)
    # random_forest: OUT may list runs with seed=0,1,... to compare averages.
    runs = [read_output(path) for path in out.split(",")]
    params, numbers, ours, metrics = runs[0]
    label = lambda predict: np.array([names[int(i)] for i in predict]) if classification else predict
    ours = label(ours)

    def opt(name, default, kind=int):
        return kind(float(opts.get(name, default)))

    if estimator == "kmeans":
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score
        km = KMeans(n_clusters=opt("k", 8), n_init=opt("n_init", 10), max_iter=opt("max_iter", 300),
                    tol=opt("tol", 1e-4, float), random_state=opt("seed", 0)).fit(x)
        ratio = numbers["inertia"] / km.inertia_
        check("inertia", abs(ratio - 1) <= 0.01, f"ours {numbers['inertia']:.6g} sklearn {km.inertia_:.6g}")
        theirs = km.predict(xt)
        ari = adjusted_rand_score(theirs, ours)
        check("ari", ari >= float(min_ari), f"{ari:.4f}, need {min_ari}")
        # The same clusters (numbered apart) have the same centres.
        centers = params["cluster_centers"]
        if ari == 1 and np.array_equal(xt, x):
            ours_of = [int(ours[theirs == j][0]) for j in range(len(centers))]
            error = np.max(np.abs(centers[ours_of] - km.cluster_centers_)) / np.max(np.abs(km.cluster_centers_))
            check("centers", error <= 1e-6, f"largest difference {error:.2g} of the largest centre value")
        print(f"n_iter: ours {numbers['n_iter']:.0f} sklearn {km.n_iter_}")
        return

    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, r2_score
    if estimator == "knn":
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
        cls = KNeighborsClassifier if classification else KNeighborsRegressor
        model = cls(n_neighbors=opt("k", 5), weights="distance" if opt("distance", 0) else "uniform",
                    algorithm="brute")
    elif estimator == "decision_tree":
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
        cls = DecisionTreeClassifier if classification else DecisionTreeRegressor
        model = cls(max_depth=opt("max_depth", 0) or None, min_samples_split=opt("min_samples_split", 2),
                    min_samples_leaf=opt("min_samples_leaf", 1), random_state=opt("seed", 0))
    elif estimator == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
        cls = RandomForestClassifier if classification else RandomForestRegressor
        fraction = opt("max_features", 0, float)
        model = cls(n_estimators=opt("n_estimators", 100), max_depth=opt("max_depth", 0) or None,
                    max_features=fraction or ("sqrt" if classification else 1.0),
                    min_samples_leaf=opt("min_samples_leaf", 1), random_state=opt("seed", 0))
    else:
        sys.exit(f"unknown estimator {estimator}")
    score = accuracy_score if classification else r2_score
    if estimator == "random_forest":
        # Different random streams: compare the quality, not the predictions,
        # averaged over the runs (seeds 0, 1, ... on both sides).
        ours_scores = [score(yt, label(run[2])) for run in runs]
        theirs_scores = [score(yt, clone(model).set_params(random_state=s).fit(x, y).predict(xt))
                         for s in range(len(runs))]
        a, b = np.mean(ours_scores), np.mean(theirs_scores)
        check(score.__name__, abs(a - b) <= 0.02,
              f"ours {a:.4f} sklearn {b:.4f}, averages of {len(runs)} seeds; "
              f"ours {min(ours_scores):.4f}..{max(ours_scores):.4f}, sklearn {min(theirs_scores):.4f}..{max(theirs_scores):.4f}")
        return
    theirs = model.fit(x, y).predict(xt)
    if estimator == "decision_tree":
        # scikit-learn tries the features in a random order and keeps the
        # first of equally good splits: where its own trees or predictions
        # depend on random_state, ties decide, and only the quality compares.
        def tree_of(m):
            t = m.tree_
            values = t.value[:, 0, :] / (t.value[:, 0, :].sum(axis=1, keepdims=True) if classification else 1)
            return np.column_stack([np.where(t.feature >= 0, t.feature, -1), np.where(t.feature >= 0, t.threshold, 0),
                                    t.children_left, t.children_right]), values
        trees, preds = [tree_of(model)], [theirs]
        for seed in range(1, 21):
            other = clone(model).set_params(random_state=seed).fit(x, y)
            trees.append(tree_of(other)), preds.append(other.predict(xt))
        if any(t[0].shape != trees[0][0].shape or (t[0] != trees[0][0]).any() for t in trees):
            print("tree: ties (scikit-learn's tree depends on random_state)")
        else:
            nodes, values = trees[0]
            same = (params["nodes"].shape == nodes.shape and (params["nodes"] == nodes).all()
                    and np.allclose(params["values"], values, rtol=1e-9, atol=1e-12))
            check("tree", same, f"ours {params['nodes'].shape[0]} nodes, sklearn {nodes.shape[0]}")
        if any((p != theirs).any() for p in preds):
            scores = [score(yt, p) for p in preds]
            lo, hi, ours_score = min(scores), max(scores), score(yt, ours)
            check(score.__name__, lo - 0.01 <= ours_score <= hi + 0.01,
                  f"ties: ours {ours_score:.4f}, sklearn's over 21 random_states {lo:.4f}..{hi:.4f}")
            return
    if classification:
        differ = int((ours != theirs).sum())
        check("predict", differ == 0, f"{differ} of {len(ours)} rows differ")
        if estimator == "knn":  # the vote fractions, through the driver's log_loss
            from sklearn.metrics import log_loss
            # The runtime clips probabilities at 1e-15 (scikit-learn 1.2's default is its float eps).
            theirs_loss = log_loss(yt, model.predict_proba(xt), labels=model.classes_, eps=1e-15)
            error = abs(metrics["log_loss"] - theirs_loss) / max(theirs_loss, 1e-12)
            check("log_loss", error <= 1e-5, f"ours {metrics['log_loss']:.6g} sklearn {theirs_loss:.6g}")
    else:
        # The driver prints f32 values; a value near 0 is compared on the
        # scale of the largest.
        error = np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-3 * np.max(np.abs(theirs))))
        check("predict", error <= 1e-5, f"largest relative difference {error:.2g}")


if __name__ == "__main__":
    if sys.argv[1] == "split":
        split(*sys.argv[2:])
    elif sys.argv[1] == "blobs":
        blobs(*sys.argv[2:])
    else:
        main(*sys.argv[1:])
