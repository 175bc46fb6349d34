"""Compares describe(cars) as mlpc printed it (blocks of columns) with
pandas' describe() of the same table: every statistic to 1e-5 relative
(mlpc's columns are f32)."""
import sys

import pandas as pd

cars = pd.read_csv(sys.argv[2]).drop(columns=["name"])
want = pd.get_dummies(cars, columns=["origin"], dtype=float).describe()

ours, names = {}, []
for line in open(sys.argv[1]).read().splitlines():
    fields = line.split()
    if not fields:
        continue
    if fields[0] in want.index:
        for name, value in zip(names, fields[1:]):
            ours[(fields[0], name)] = float(value)
    else:
        names = fields
bad = [(k, v, want.loc[k]) for k, v in ours.items() if abs(v - want.loc[k]) > 1e-5 * max(1, abs(want.loc[k]))]
print(f"{len(ours)} statistics of {want.size}: {'match' if len(ours) == want.size and not bad else bad}")
print("columns:", " ".join(dict.fromkeys(name for _, name in ours)))
