"""Checks the logits mlpc printed for net(x) against the same network in
PyTorch, loaded from the weights mlpc saved (eval mode: dropout off)."""
import ast
import re
import sys

import torch

from torch_reference import read_safetensors


def printed(text, name):
    found = re.search(name + r" = (\[.*?\]\])", text, re.S)
    return torch.tensor(ast.literal_eval(found.group(1).replace("\n", " ")), dtype=torch.float64)


text = open(sys.argv[1]).read()
x, logits = printed(text, "x"), printed(text, "logits")
net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3))
net.load_state_dict(read_safetensors(sys.argv[2]))
net = net.double().eval()
with torch.no_grad():
    want = net(x)
worst = (want - logits).abs().max().item()
print("logits:", "match" if worst < 1e-5 else f"differ by {worst}")
classes = re.search(r"classes = (\[.*?\])", text).group(1)
print("classes:", "match" if ast.literal_eval(classes) == want.argmax(1).tolist() else "differ")
