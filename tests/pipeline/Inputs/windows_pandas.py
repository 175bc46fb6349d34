"""windows.mlp in pandas: dates as days since 1970, each symbol's prices in
date order, windows of 12 with the value 2 months after the last."""
import sys

import numpy as np
import pandas as pd

d = pd.read_csv(sys.argv[2])
d["day"] = (pd.to_datetime(d.date, format="%b %d %Y") - pd.Timestamp("1970-01-01")).dt.days
past, future = [], []
for _, g in d.sort_values("day", kind="stable").sort_values("symbol", kind="stable").groupby("symbol", sort=True):
    p = g.price.to_numpy(np.float32).astype(float)
    for i in range(len(p) - 12 - 2 + 1):
        past.append(p[i:i + 12])
        future.append(p[i + 11 + 2])
want = {"future": sum(future), "past": float(np.sum(past)), "first": (float(np.sum(past[0])), future[0]),
        "days": float(d.day.sum())}
ok = True
for line in open(sys.argv[1]):
    name, *values = line.split()
    expected = want[name] if isinstance(want[name], tuple) else (want[name],)
    good = all(abs(float(v) - e) <= 1e-4 * max(1, abs(e)) for v, e in zip(values, expected))
    ok &= good
    print(name, "match" if good else f"MISMATCH {values} {expected}")
sys.exit(0 if ok else 1)
