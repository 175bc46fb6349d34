"""PyTorch reference for an embedding layer (Debian's python3-torch).

  embedding_torch.py prepare DIR   writes DIR/tokens.csv (three tokens in
                                   [0, 10) per row; label: is 3 among them),
                                   DIR/init.safetensors (torch's seeded initial
                                   weights) and DIR/one_epoch.mlp
  embedding_torch.py compare DIR   trains nn.Embedding(10, 4) -> Flatten ->
                                   Linear(12, 8) -> ReLU -> Linear(8, 2) for 10
                                   Adam steps on the same batches and compares
                                   the final cross-entropy with mlpc's, to 1e-4
                                   relative
"""
import sys

import numpy as np
import torch
from torch_reference import judge_log_loss, write_safetensors

ROWS, BATCH = 160, 16  # 10 steps

PROGRAM = """\
data toks = csv("{dir}/tokens.csv")
model M {{
    embedding(10, 4) |> flatten
    dense(8) |> relu
    dense(2)
}}
train net = M on toks {{
    inputs    = [a, b, c]
    target    = label
    loss      = cross_entropy
    optimizer = adam(lr: 0.01)
    epochs    = 1
    batch     = {batch}
    shuffle   = false
    init      = "{dir}/init.safetensors"
}}
print "log_loss {{log_loss(net, toks):.8f}}"
"""


def network():
    return torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Flatten(),
                               torch.nn.Linear(12, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def tokens():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(ROWS, 3))
    y = np.array([int(3 in row) for row in x])
    return x, y


def prepare(directory):
    x, y = tokens()
    with open(directory + "/tokens.csv", "w") as f:
        f.write("a,b,c,label\n")
        for row, label in zip(x, y):
            f.write(f"{row[0]},{row[1]},{row[2]},{label}\n")
    torch.manual_seed(0)
    write_safetensors(directory + "/init.safetensors", network().state_dict())
    with open(directory + "/one_epoch.mlp", "w") as f:
        f.write(PROGRAM.format(dir=directory, batch=BATCH))


def compare(directory):
    x, y = tokens()
    x, y = torch.tensor(x), torch.tensor(y)
    torch.manual_seed(0)
    net = network()  # the same seed: the weights written by prepare
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, ROWS, BATCH):
        opt.zero_grad()
        loss_fn(net(x[start:start + BATCH]), y[start:start + BATCH]).backward()
        opt.step()
    with torch.no_grad():
        expected = loss_fn(net(x), y).item()
    judge_log_loss(directory, expected)


if __name__ == "__main__":
    {"prepare": prepare, "compare": compare}[sys.argv[1]](sys.argv[2])
