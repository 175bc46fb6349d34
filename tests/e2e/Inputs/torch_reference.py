"""What the *_torch.py comparison scripts share: safetensors in and out, and
the verdict on mlpc's log_loss against PyTorch's (1e-4 relative)."""
import json
import struct
import sys

import numpy as np
import torch


def write_safetensors(path, tensors):
    """A state_dict as F32 safetensors (integer buffers such as batchnorm's
    num_batches_tracked are not weights and are left out)."""
    header, blob, offset = {}, b"", 0
    for name, t in tensors.items():
        if not t.is_floating_point():
            continue
        raw = t.detach().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blob += raw
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob)


def read_safetensors(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    return {k: torch.tensor(np.frombuffer(blob[8 + n + v["data_offsets"][0]:
                                               8 + n + v["data_offsets"][1]],
                                          dtype="<f4").reshape(v["shape"]))
            for k, v in header.items() if k != "__metadata__"}


def judge_log_loss(directory, expected):
    """Compares the `log_loss X` line of DIR/mlpc.txt with torch's value,
    prints the verdict and exits 0 on a match within 1e-4 relative."""
    ours = None
    for line in open(directory + "/mlpc.txt"):
        if line.startswith("log_loss "):
            ours = float(line.split()[1])
    if ours is None:
        sys.exit("mlpc printed no log_loss line")
    rel = abs(ours - expected) / abs(expected)
    verdict = "match" if rel < 1e-4 else "MISMATCH"
    print(f"torch {expected:.8f} mlpc {ours:.8f} relative difference {rel:.2e}: {verdict}")
    sys.exit(0 if rel < 1e-4 else 1)
