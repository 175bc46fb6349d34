"""Reads and writes safetensors files with only json, struct and NumPy,
following the format's specification (huggingface/safetensors README):
an 8-byte little-endian header size N, N bytes of JSON, then the data."""
import json
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    print("header padded to 8:", n % 8 == 0)
    print("metadata:", header.pop("__metadata__", None))
    end = 0
    for name, info in header.items():  # JSON order = the order written
        begin, stop = info["data_offsets"]
        assert info["dtype"] == "F32" and begin == end, (name, info)
        end = stop
        array = np.frombuffer(data[begin:stop], dtype="<f4").reshape(info["shape"])
        print(name, array.dtype, array.shape, array.ravel().tolist())
    assert end == len(data), "the data section holds exactly the tensors"
    print("ok")


def write(path):
    # "b" first in the data, no padding, offsets listed in another order.
    tensors = {"b": np.arange(6, dtype="<f4").reshape(2, 3),
               "a": np.array([0.5, -1.0, 2.25, 1e30], dtype="<f4")}
    header, data = {}, b""
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [len(data), len(data) + array.nbytes]}
        data += array.tobytes()
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2])
