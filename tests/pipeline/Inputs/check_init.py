"""Checks the weights init.mlp (or init_conv.mlp) saves against torch.nn.init's distributions.

  check_init.py init|init_conv FILE.safetensors

Each weight's sample std must be within 4 standard errors (4/sqrt(2N)
relative) of the init's std; uniform inits must also stay inside their bound
and (with 100 or more values) reach within 2% of it. Biases keep PyTorch's default U(±1/sqrt(fan_in)).
"""
import json
import math
import struct
import sys

import numpy as np

# (name, fan_in, fan_out, init) for the layers of init.mlp and init_conv.mlp
# (fans of a 3x3 convolution: channels times 9).
LAYERS = {"init": [("0", 3, 400, "xavier_uniform"), ("2", 400, 300, "xavier_normal"),
          ("4", 300, 200, "kaiming_uniform"), ("6", 200, 100, "kaiming_normal"),
          ("8", 100, 2, "default")],
          "init_conv": [("0", 9, 288, "kaiming_normal"), ("3", 288, 576, "xavier_uniform"),
                        ("7", 1600, 10, "default")]}


def read(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    return {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4")
            for k, v in header.items() if k != "__metadata__"}


def main():
    tensors = read(sys.argv[2])
    failed = False
    for name, fan_in, fan_out, init in LAYERS[sys.argv[1]]:
        for part in ("weight", "bias"):
            a = tensors[f"{name}.{part}"].astype(np.float64)
            kind = init if part == "weight" else "default"
            if kind == "default":
                std, uniform = 1 / math.sqrt(fan_in) / math.sqrt(3), True
            elif kind.startswith("xavier"):
                std, uniform = math.sqrt(2 / (fan_in + fan_out)), kind.endswith("uniform")
            else:
                std, uniform = math.sqrt(2) / math.sqrt(fan_in), kind.endswith("uniform")
            rel = abs(a.std() - std) / std
            ok = rel < 4 / math.sqrt(2 * a.size)
            if uniform:
                bound = std * math.sqrt(3)
                ok = ok and abs(a).max() <= bound * (1 + 1e-6)
                if a.size >= 100:  # then the largest draw nears the bound
                    ok = ok and abs(a).max() >= 0.98 * bound
            print(f"{name}.{part} {kind}: std {a.std():.5f} expected {std:.5f}: {'ok' if ok else 'WRONG'}")
            failed = failed or not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
