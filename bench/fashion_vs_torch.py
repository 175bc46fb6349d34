#!/usr/bin/python3
"""Fashion-MNIST training time: mlpc against PyTorch, in the same run.

Runs examples/fashion_mlp.mlp (or fashion_cnn.mlp) with `mlpc run`, then the
same network, optimizer, batch size and epochs in PyTorch on one thread, and
prints both wall times, the ratio and both test accuracies (bench/run.py has
the per-epoch figures against PyTorch at its best). Wall times cover the whole program: reading the IDX
files, training and the test evaluation (and, for mlpc, JIT compilation).

  /usr/bin/python3 bench/fashion_vs_torch.py [mlp|cnn] [--epochs N] [--mlpc PATH]
"""
import argparse, os, re, subprocess, sys, time

from run import ROOT, fashion, network  # first: it sets up OpenBLAS before torch loads

import torch


def torch_run(model, epochs, seed=1):
    """The example's network in PyTorch; returns (seconds, test accuracy)."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    xtr, ytr, xte, yte = fashion()
    net = network(model)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(xte).argmax(1) == yte).float().mean().item()
    return time.perf_counter() - start, accuracy


def mlpc_run(mlpc, model, epochs, workdir):
    """`mlpc run` on the example; returns (seconds, test accuracy)."""
    program = os.path.join(ROOT, "examples", f"fashion_{model}.mlp")
    start = time.perf_counter()
    out = subprocess.run([mlpc, "run", program, "--epochs", str(epochs)], cwd=workdir,
                         env=dict(os.environ, MLP_PROGRESS="0"), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"mlpc failed ({out.returncode}):\n{out.stderr}")
    found = re.search(r"test accuracy: ([0-9.]+)", out.stdout)
    if not found:
        sys.exit(f"no test accuracy in mlpc's output:\n{out.stdout}")
    return seconds, float(found.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", nargs="?", choices=["mlp", "cnn"], default="mlp")
    p.add_argument("--epochs", type=int, help="default: the example's (5 for mlp, 2 for cnn)")
    p.add_argument("--mlpc", default=os.path.join(ROOT, "build", "bin", "mlpc"))
    a = p.parse_args()
    epochs = a.epochs or (5 if a.model == "mlp" else 2)
    workdir = os.path.join(ROOT, "build", "bench")
    os.makedirs(workdir, exist_ok=True)
    ours, our_acc = mlpc_run(a.mlpc, a.model, epochs, workdir)
    theirs, their_acc = torch_run(a.model, epochs)
    print(f"fashion_{a.model}, {epochs} epochs, one core")
    torch_name = f"PyTorch {torch.__version__}"
    print(f"  {'mlpc run':20} {ours:8.1f} s   test accuracy {our_acc:.4f}")
    print(f"  {torch_name:20} {theirs:8.1f} s   test accuracy {their_acc:.4f}")
    print(f"  ratio (mlpc / PyTorch time): {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
