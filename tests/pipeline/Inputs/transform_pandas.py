"""transform.mlp's prep in pandas: fill_na, standardize and minmax learn
their statistics on raw_train.csv only and apply them to both splits; the
tables mlpc wrote must match (1e-5 relative), columns and order included."""
import numpy as np
import pandas as pd

train, test = pd.read_csv("raw_train.csv"), pd.read_csv("raw_test.csv")
fill = {"horsepower": train.horsepower.median(), "origin": train.origin.mode()[0]}
train, test = train.fillna(fill), test.fillna(fill)
for c in ["horsepower", "weight_in_lbs"]:
    mean, std = train[c].mean(), train[c].std(ddof=0)
    train[c], test[c] = (train[c] - mean) / std, (test[c] - mean) / std
lo, hi = train.acceleration.min(), train.acceleration.max()
train["acceleration"], test["acceleration"] = (train.acceleration - lo) / (hi - lo), (test.acceleration - lo) / (hi - lo)
for name, want in [("train", train), ("test", test)]:
    want = pd.get_dummies(want, columns=["origin"], dtype=float)
    ours = pd.read_csv(f"{name}_prepped.csv")
    same = list(ours.columns) == list(want.columns) and np.allclose(
        ours.to_numpy(float), want.to_numpy(float), rtol=1e-5, atol=1e-6, equal_nan=True)
    print(f"{name}:", "match" if same else "MISMATCH")
