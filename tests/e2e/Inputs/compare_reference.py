"""Checks values that an .mlp program printed against NumPy / PyTorch.

  compare_reference.py numpy OUTPUT   forward ops (vs_numpy.mlp)
  compare_reference.py torch OUTPUT   gradients (vs_torch.mlp)

The program prints `name = value` records (a value may span lines). Its
inputs are printed too: shortest round-trip f32 text reads back exactly, so
the reference recomputes each result from the very same numbers, in float64,
and prints `name: match` when the program's f32 result is within rtol 1e-5,
atol 1e-6 (f32 has about 7 significant digits; these ops lose at most a few
ulps), or `name: MISMATCH` with the largest difference.
"""
import ast
import sys

import numpy as np


def read_records(path):
    records, name = {}, None
    for line in open(path):
        line = line.rstrip("\n")
        if " = " in line and not line.startswith(" "):
            name, text = line.split(" = ", 1)
            records[name] = text
        elif name is not None:
            records[name] += " " + line.strip()
    values = {}
    for k, text in records.items():
        text = text.replace("true", "True").replace("false", "False")
        values[k] = np.array(ast.literal_eval(text), dtype=np.float64)
    return values


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def numpy_expected(v):
    x, w, a = v["x"], v["w"], v["a"]
    return {
        "matmul": x @ w,
        "matvec": x @ a,
        "vecmat": a[:4] @ x,
        "dot": a @ a,
        "softmax": softmax(x, 1),
        "log_softmax": np.log(softmax(x, 0)),
        "mean0": x.mean(axis=0),
        "var1": x.var(axis=1),
        "std": x.std(),
        "max1": x.max(axis=1),
        "argmax0": x.argmax(axis=0),
        "elementwise": np.exp(np.tanh(x)) * (1 / (1 + np.exp(-x)))
                       + np.sqrt(np.abs(x)) - np.log1p(x * x),
        "broadcast": x * a[:4, None] + a[None, :] ** 2 - 1.5,
        "transpose": np.transpose(x.reshape(2, 2, 5), (2, 0, 1)),
        "where": np.where(x > 0, x, 0.1 * x),
    }


def torch_expected(v):
    import torch

    t = {k: torch.tensor(val, dtype=torch.float64, requires_grad=True)
         for k, val in v.items() if k in ("x", "w", "b", "y")}
    x, w, b, y = t["x"], t["w"], t["b"], t["y"]
    loss = -(y * torch.log_softmax(torch.tanh(x) @ w + b, dim=1)).sum(1).mean() \
        + (w * w).sum() * 0.01 + torch.sigmoid(b).var(unbiased=False)
    loss.backward()
    return {"loss": loss.detach().numpy(), "grad_x": x.grad.numpy(),
            "grad_w": w.grad.numpy(), "grad_b": b.grad.numpy()}


def main():
    mode, path = sys.argv[1], sys.argv[2]
    values = read_records(path)
    expected = numpy_expected(values) if mode == "numpy" else torch_expected(values)
    for name, want in expected.items():
        if name not in values:
            print(f"{name}: MISSING")
            continue
        got = values[name]
        if got.shape != np.shape(want):
            print(f"{name}: MISMATCH shape {got.shape} vs {np.shape(want)}")
        elif np.allclose(got, want, rtol=1e-5, atol=1e-6):
            print(f"{name}: match")
        else:
            print(f"{name}: MISMATCH max abs diff {np.max(np.abs(got - want)):.3g}")


main()
