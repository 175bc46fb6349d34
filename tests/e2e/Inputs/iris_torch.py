"""PyTorch reference for the iris training loop (Debian's python3-torch).

  iris_torch.py prepare DIR CSV [OPT BATCH NET]   writes DIR/init.safetensors
                                  (seeded initial weights) and DIR/one_epoch.mlp
  iris_torch.py compare DIR [OPT BATCH NET]   trains the same network for one
                                  epoch in PyTorch from the same weights, on the
                                  same batches, and compares with mlpc's output

Both sides: iris standardized with the population std (ddof=0), classes in
sorted label order, batches in file order (shuffle = false), mean
cross-entropy per batch. OPT is adam (lr 0.01, the default), sgd (lr 0.1,
momentum 0.9, nesterov), adamw (lr 0.01, weight decay 0.01) or rmsprop
(lr 0.01); BATCH defaults to 16 (batch 15 gives exactly 10 steps). The number
compared is the cross-entropy over all 150 rows after one epoch (log_loss),
to 1e-4 relative. NET is mlp (dense/relu, the default), layers (layernorm,
gelu, leaky_relu), batchnorm (batch statistics in training, running ones
after) or residual (named layers, a shared one, and a forward).
"""
import sys

import numpy as np
import torch
from torch_reference import judge_log_loss, read_safetensors, write_safetensors


def load_iris(path):
    rows = [line.strip().split(",") for line in open(path) if line.strip()]
    header, rows = rows[0], rows[1:]
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    labels = sorted({r[4] for r in rows})
    y = np.array([labels.index(r[4]) for r in rows])
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


# NET: the network on both sides, as PyTorch modules and as a .mlp body.
NETS = {
    "mlp": (lambda: torch.nn.Sequential(
                torch.nn.Linear(4, 16), torch.nn.ReLU(),
                torch.nn.Linear(16, 16), torch.nn.ReLU(),
                torch.nn.Linear(16, 3)),
            "dense(16) |> relu\n    dense(16) |> relu\n    dense(3)"),
    "layers": (lambda: torch.nn.Sequential(
                   torch.nn.Linear(4, 16), torch.nn.LayerNorm(16), torch.nn.GELU(),
                   torch.nn.Linear(16, 16), torch.nn.LeakyReLU(0.1),
                   torch.nn.Linear(16, 3)),
               "dense(16) |> layernorm |> gelu\n    dense(16) |> leaky_relu(0.1)\n"
               "    dense(3)"),
}


class Residual(torch.nn.Module):
    """The residual model of examples/residual.mlp, at 16 features."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(4, 16)
        self.fc1 = torch.nn.Linear(16, 16)
        self.fc2 = torch.nn.Linear(16, 16)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        e = self.embed(x)
        return self.head(torch.relu(e + self.fc2(torch.relu(self.fc1(torch.relu(e))))))


NETS["batchnorm"] = (
    lambda: torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(),
        torch.nn.Linear(16, 3)),
    "dense(16) |> batchnorm |> relu\n    dense(3)")
NETS["residual"] = (
    Residual,
    "embed = dense(16)\n    fc1 = dense(16)\n    fc2 = dense(16)\n    head = dense(3)\n"
    "    forward(x) = head(relu(embed(x) + fc2(relu(fc1(relu(embed(x)))))))")
network = None  # set from NET in main


PROGRAM = """\
data iris = csv("{csv}") |> standardize(numeric)
model Classifier {{
    {body}
}}
train net = Classifier on iris {{
    inputs    = numeric
    target    = species
    loss      = cross_entropy
    optimizer = {optimizer}
    epochs    = 1
    batch     = {batch}
    shuffle   = false
    init      = "{dir}/init.safetensors"
}}
print "log_loss {{log_loss(net, iris):.8f}}"
"""


OPTIMIZERS = {
    "adam": ("adam(lr: 0.01)", lambda p: torch.optim.Adam(p, lr=0.01)),
    "sgd": ("sgd(lr: 0.1, momentum: 0.9, nesterov: true)",
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    "adamw": ("adamw(lr: 0.01)", lambda p: torch.optim.AdamW(p, lr=0.01)),
    "rmsprop": ("rmsprop(lr: 0.01)", lambda p: torch.optim.RMSprop(p, lr=0.01)),
}


def prepare(directory, csv, optimizer="adam", batch="16", net_name="mlp"):
    torch.manual_seed(0)
    net = network()
    write_safetensors(directory + "/init.safetensors", net.state_dict())
    with open(directory + "/one_epoch.mlp", "w") as f:
        f.write(PROGRAM.format(csv=csv, dir=directory, body=NETS[net_name][1],
                               optimizer=OPTIMIZERS[optimizer][0], batch=batch))
    with open(directory + "/csv_path", "w") as f:
        f.write(csv)


def compare(directory, optimizer="adam", batch="16", net_name="mlp"):
    x, y = load_iris(open(directory + "/csv_path").read())
    net = network()
    net.load_state_dict(read_safetensors(directory + "/init.safetensors"), strict=False)
    opt = OPTIMIZERS[optimizer][1](net.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    n = int(batch)
    for start in range(0, len(x), n):
        opt.zero_grad()
        loss = loss_fn(net(x[start:start + n]), y[start:start + n])
        loss.backward()
        opt.step()
    net.eval()  # batchnorm: the running statistics, as mlpc evaluates
    with torch.no_grad():
        expected = loss_fn(net(x), y).item()
    judge_log_loss(directory, expected)


if __name__ == "__main__":
    net_arg = sys.argv[6] if sys.argv[1] == "prepare" and len(sys.argv) > 6 else \
        sys.argv[5] if sys.argv[1] == "compare" and len(sys.argv) > 5 else "mlp"
    network = NETS[net_arg][0]
    if sys.argv[1] == "prepare":
        prepare(*sys.argv[2:])
    else:
        compare(*sys.argv[2:])
