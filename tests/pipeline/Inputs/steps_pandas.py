"""The pipelines of steps.mlp in pandas; compares each printed column sum
(1e-5 relative)."""
import sys

import pandas as pd

cars = pd.read_csv(sys.argv[2] + "/cars.csv").drop(columns=["name"])
cars = cars.dropna(subset=["miles_per_gallon"])
cars["horsepower"] = cars["horsepower"].fillna(cars["horsepower"].median())
cars = pd.get_dummies(cars, columns=["origin"], dtype=float)

raw = lambda: pd.read_csv(sys.argv[2] + "/missing.csv")
means = raw()
means["city"] = means["city"].fillna(means["city"].mode()[0])
means["score"] = means["score"].fillna(means["score"].mean())
means = pd.get_dummies(means, columns=["city"], dtype=float)
values = raw().fillna({"city": "Lima", "score": 0.5})[["city", "score"]]
values = pd.get_dummies(values, columns=["city"], dtype=float)
recent = pd.read_csv(sys.argv[2] + "/cars.csv")
recent = recent[((recent.year >= 1980) & (recent.cylinders == 4)) | (recent.horsepower > 200)].dropna()
groups = pd.read_csv(sys.argv[2] + "/cars.csv").groupby(["origin", "cylinders"]).agg(
    mpg=("miles_per_gallon", "mean"), n=("miles_per_gallon", "size"), cars=("miles_per_gallon", "count"),
    hp=("horsepower", "max"), low=("acceleration", "min"), total=("year", "sum"),
    sd=("weight_in_lbs", "std")).reset_index()
top = raw().sort_values("score", ascending=False, kind="stable", na_position="last").head(4)
scaled = pd.read_csv(sys.argv[2] + "/cars.csv").dropna()
for c in ["horsepower", "weight_in_lbs"]:
    scaled[c] = (scaled[c] - scaled[c].min()) / (scaled[c].max() - scaled[c].min())
scaled2 = pd.read_csv(sys.argv[2] + "/cars.csv").dropna().reset_index(drop=True)
for c in ["horsepower", "weight_in_lbs"]:  # population std, as scikit-learn's StandardScaler
    scaled2[c] = (scaled2[c] - scaled2[c].mean()) / scaled2[c].std(ddof=0)
coded = raw().dropna(subset=["city"])
coded["city"] = coded["city"].astype("category").cat.codes  # sorted categories, as LabelEncoder
tables = {"cars": cars, "means": means, "values": values,
          "complete": raw().dropna(), "some": raw().dropna(subset=["score"]),
          "recent": recent, "groups": groups,
          "g0": groups.iloc[[0]], "g4": groups.iloc[[4]], "g8": groups.iloc[[8]], "top": top, "first": top.head(1), "last": top.tail(1), "scaled": scaled, "coded": coded,
          "s0": scaled2.iloc[[0]], "s5": scaled2.iloc[[5]]}

bad = 0
for line in open(sys.argv[1]):
    table, column, ours = line.split()
    want = float(tables[table][column].sum())
    ok = abs(float(ours) - want) <= 1e-5 * max(1.0, abs(want))
    bad += not ok
    print(f"{table}.{column}: {'match' if ok else f'MISMATCH mlpc {ours} pandas {want}'}")
# write_csv's file reads back in pandas as the table pandas made itself.
import numpy as np
clean = pd.read_csv(sys.argv[2] + "/clean.csv")
same = list(clean.columns) == list(cars.columns) and np.allclose(
    clean.to_numpy(float), cars.to_numpy(float), rtol=1e-6, equal_nan=True)
print("write_csv:", "match" if same else f"MISMATCH {list(clean.columns)}")
# join as pandas' merge, inner and left: the files write_csv wrote.
regions = pd.read_csv(sys.argv[2] + "/regions.csv")
joins = pd.read_csv(sys.argv[2] + "/cars.csv")[["name", "origin", "weight_in_lbs"]]
for how, name in [("inner", "joined"), ("left", "lefty")]:
    want = joins.merge(regions, on="origin", how=how)
    ours = pd.read_csv(f"{sys.argv[2]}/{name}.csv")
    if how == "inner":  # mlpc keeps the left rows' order, as pandas >= 2.2; 1.5 groups by key
        order = list(want.columns)
        want = want.sort_values(order, kind="stable").reset_index(drop=True)
        ours = ours.sort_values(order, kind="stable").reset_index(drop=True)
    same_join = list(ours.columns) == list(want.columns) and len(ours) == len(want) and all(
        (ours[c].astype(str) == want[c].astype(str)).all() if want[c].dtype == object
        else np.allclose(ours[c].to_numpy(float), want[c].to_numpy(float), equal_nan=True)
        for c in want.columns)
    print(f"join {how}:", "match" if same_join else "MISMATCH")
    same = same and same_join
sys.exit(1 if bad or not same else 0)
