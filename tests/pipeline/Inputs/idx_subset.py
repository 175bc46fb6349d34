"""Writes the first N items of a Fashion-MNIST IDX pair, gzip-compressed.

  idx_subset.py SRC_IMAGES SRC_LABELS N OUT_IMAGES OUT_LABELS
"""
import gzip
import struct
import sys

src_images, src_labels, n, out_images, out_labels = sys.argv[1:]
n = int(n)
with gzip.open(src_images) as f:
    magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
    pixels = f.read(n * rows * cols)
with gzip.open(out_images, "wb") as f:
    f.write(struct.pack(">IIII", magic, n, rows, cols) + pixels)
with gzip.open(src_labels) as f:
    magic, count = struct.unpack(">II", f.read(8))
    labels = f.read(n)
with gzip.open(out_labels, "wb") as f:
    f.write(struct.pack(">II", magic, n) + labels)
