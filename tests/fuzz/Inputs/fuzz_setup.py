"""Seed corpora and scratch directories for the libFuzzer tests (tests/fuzz).

  fuzz_setup.py frontend SRC OUT: OUT/corpus holds every .mlp of SRC/examples
    and SRC/tests; OUT/scratch, the directory to fuzz in, holds small copies
    of the data files the seeds read (examples/data/*.csv, the tests' Inputs),
    at the relative paths they name them by, and two named pipes; OUT/mlp.dict
    is a libFuzzer dictionary of the grammar's keywords and operators.
  fuzz_setup.py idx OUT: OUT/corpus holds tiny valid IDX files of every
    element type, plain and gzip, and the real gzip'd header of Fashion-MNIST's
    test labels where /usr/share/datasets has it.
"""
import gzip
import os
import re
import shutil
import struct
import sys

FASHION_LABELS = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"


def frontend(src, out):
    corpus = os.path.join(out, "corpus")
    scratch = os.path.join(out, "scratch")
    os.makedirs(corpus)
    os.makedirs(scratch)
    for top in ("examples", "tests"):
        for root, dirs, files in os.walk(os.path.join(src, top)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".mlp"):
                    rel = os.path.relpath(os.path.join(root, name), src)
                    shutil.copy(os.path.join(root, name),
                                os.path.join(corpus, rel.replace(os.sep, "_")))

    # Data files, cut to their first lines (enough to infer the columns and
    # keep every input fast), under the paths the seeds use: from the source
    # root (examples/data/x.csv), from examples/ (data/x.csv), from a test's
    # directory (Inputs/x.csv) and from Inputs/ itself (x.csv).
    def copy(path, *targets):
        with open(path, "rb") as f:
            lines = f.readlines()[:41]
        for target in targets:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.exists(target):
                with open(target, "wb") as f:
                    f.writelines(lines)

    data = os.path.join(src, "examples", "data")
    for name in sorted(os.listdir(data)):
        copy(os.path.join(data, name),
             os.path.join(scratch, "examples", "data", name),
             os.path.join(scratch, "data", name),
             os.path.join(scratch, name))
    tests = os.path.join(src, "tests")
    for test_dir in sorted(os.listdir(tests)):
        inputs = os.path.join(tests, test_dir, "Inputs")
        if not os.path.isdir(inputs):
            continue
        for name in sorted(os.listdir(inputs)):
            path = os.path.join(inputs, name)
            if os.path.isfile(path) and not name.endswith((".py", ".mlp")):
                copy(path, os.path.join(scratch, "Inputs", name),
                     os.path.join(scratch, name))

    # Named pipes, which a reader would wait on forever: the compiler must
    # refuse them (Inputs/frontend_crashes/*_fifo.mlp).
    for name in ("fifo.csv", "fifo.idx"):
        os.mkfifo(os.path.join(scratch, name))

    # Keywords and operators: the lexer is generated code, so libFuzzer's
    # comparison hints do not see them.
    with open(os.path.join(src, "lang", "Mlp.g4")) as f:
        words = sorted(set(re.findall(r"'((?:[^'\\]|\\.)+)'", f.read())))
    with open(os.path.join(out, "mlp.dict"), "w") as f:
        for word in words:
            # (Quoted text in comments pairs up quotes wrongly: skip
            # anything with a space.)
            if word.isprintable() and not any(c.isspace() or c == "\\" for c in word):
                f.write('"%s"\n' % word.replace('"', '\\"'))


def idx_file(type_code, dims, values):
    fmt = {0x08: "B", 0x09: "b", 0x0B: "h", 0x0C: "i", 0x0D: "f", 0x0E: "d"}[type_code]
    head = bytes([0, 0, type_code, len(dims)]) + struct.pack(">%dI" % len(dims), *dims)
    return head + struct.pack(">%d%s" % (len(values), fmt), *values)


def idx(out):
    corpus = os.path.join(out, "corpus")
    os.makedirs(corpus)
    files = {
        "labels-ubyte": idx_file(0x08, [3], [1, 2, 9]),
        "images-ubyte": idx_file(0x08, [2, 2, 2], [0, 255, 7, 8, 1, 2, 3, 4]),
        "byte": idx_file(0x09, [2, 1], [-1, 1]),
        "short": idx_file(0x0B, [2], [-300, 300]),
        "int": idx_file(0x0C, [1, 2], [-70000, 70000]),
        "float": idx_file(0x0D, [2], [1.5, -0.25]),
        "double": idx_file(0x0E, [1, 1, 1], [3.25]),
        "empty-items": idx_file(0x08, [0, 28, 28], []),
    }
    for name, data in files.items():
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)
        with open(os.path.join(corpus, name + ".gz"), "wb") as f:
            f.write(gzip.compress(data, mtime=0))
    if os.path.exists(FASHION_LABELS):
        # The real header (10000 labels) and the first labels, gzip'd again:
        # its data is cut short. And the real file's first bytes as they are:
        # a gzip stream cut short.
        with gzip.open(FASHION_LABELS) as f:
            head = f.read(8 + 16)
        with open(os.path.join(corpus, "fashion-labels-head.gz"), "wb") as f:
            f.write(gzip.compress(head, mtime=0))
        with open(FASHION_LABELS, "rb") as f:
            raw = f.read(64)
        with open(os.path.join(corpus, "fashion-labels-cut.gz"), "wb") as f:
            f.write(raw)


if __name__ == "__main__":
    if sys.argv[1] == "frontend":
        frontend(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "idx":
        idx(sys.argv[2])
    else:
        sys.exit("usage: fuzz_setup.py frontend SRC OUT | idx OUT")
