#!/usr/bin/python3
"""Fashion-MNIST test accuracy over several seeds: mlpc against PyTorch.

The examples (examples/fashion_mlp.mlp, 5 epochs; fashion_cnn.mlp, 2 epochs)
fix their settings and seed 1. This runs each with seeds 1..N — mlpc with
the example's `seed` changed, PyTorch (one thread) with the same network,
optimizer, batch size and epochs — and prints every test accuracy and the
means, to tell the spread that comes from the seed alone.

  /usr/bin/python3 bench/fashion_seeds.py [--seeds N] [--only mlp|cnn] [--mlpc PATH]
"""
import argparse, os, re, subprocess, sys, tempfile

from run import ROOT  # first: it sets up OpenBLAS before torch loads
from fashion_vs_torch import torch_run


def mlpc_accuracy(mlpc, model, seed):
    """`mlpc run` on the example with `seed = <seed>`; its test accuracy."""
    source = open(os.path.join(ROOT, "examples", f"fashion_{model}.mlp")).read()
    program = re.sub(r"seed(\s*)= 1\b", rf"seed\g<1>= {seed}", source)
    with tempfile.NamedTemporaryFile("w", suffix=".mlp") as f:
        f.write(program)
        f.flush()
        out = subprocess.run([mlpc, "run", f.name, "--threads", "1"], capture_output=True,
                             text=True, env=dict(os.environ, MLP_PROGRESS="0"), check=True)
    return float(re.search(r"test accuracy: ([0-9.]+)", out.stdout).group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--only", choices=["mlp", "cnn"])
    p.add_argument("--mlpc", default=os.path.join(ROOT, "build", "bin", "mlpc"))
    args = p.parse_args()
    for model, epochs in (("mlp", 5), ("cnn", 2)):
        if args.only and model != args.only:
            continue
        seeds = range(1, args.seeds + 1)
        ours = [mlpc_accuracy(args.mlpc, model, s) for s in seeds]
        theirs = [torch_run(model, epochs, seed=s)[1] for s in seeds]
        for name, accs in (("mlpc", ours), ("PyTorch", theirs)):
            print(f"fashion_{model} ({epochs} epochs) {name:8} "
                  + " ".join(f"{a:.4f}" for a in accs) + f"   mean {sum(accs) / len(accs):.4f}")


if __name__ == "__main__":
    main()
