"""Checks the files a pipeline wrote: a safetensors model and an SVG plot.

  check_outputs.py safetensors FILE NAME:D0xD1 ...   every tensor, shape and
                                                     offsets as the format says
  check_outputs.py svg FILE SERIES ...               a line plot with axes,
                                                     ticks, labels and a
                                                     polyline per series
"""
import json
import struct
import sys
import xml.etree.ElementTree as ET


def check_safetensors(path, expected):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    assert 8 + n <= len(blob), "header longer than the file"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = len(blob) - 8 - n
    names = [k for k in header if k != "__metadata__"]
    want = {}
    for spec in expected:
        name, shape = spec.split(":")
        want[name] = [int(d) for d in shape.split("x")]
    assert sorted(names) == sorted(want), (names, list(want))
    end = 0
    for name in names:
        info = header[name]
        assert info["dtype"] == "F32", info
        assert info["shape"] == want[name], (name, info["shape"])
        begin, stop = info["data_offsets"]
        count = 1
        for d in info["shape"]:
            count *= d
        assert stop - begin == 4 * count, (name, begin, stop)
        assert 0 <= begin and stop <= data, (name, begin, stop, data)
        end = max(end, stop)
        values = struct.unpack("<%df" % count, blob[8 + n + begin:8 + n + stop])
        assert all(v == v for v in values), name + " has NaN"
    assert end == data, "trailing bytes after the tensors"
    print("safetensors ok: %d tensors, %d data bytes" % (len(names), data))


def check_svg(path, series):
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg", root.tag
    texts = ["".join(t.itertext()) for t in root.iter(ns + "text")]
    lines = list(root.iter(ns + "line"))
    polylines = list(root.iter(ns + "polyline"))
    for label in ["epoch"] + series:
        assert label in texts, (label, texts)
    numeric = [t for t in texts if t.replace(".", "", 1).replace("-", "", 1).isdigit()]
    assert len(numeric) >= 6, ("too few tick labels", numeric)
    assert len(lines) >= 6, "no axes or ticks"
    assert len(polylines) >= len(series), "a series has no line"
    for p in polylines[:len(series)]:
        points = p.get("points").split()
        assert len(points) >= 10, "a line with too few points"
    print("svg ok: %d series, %d tick labels" % (len(series), len(numeric)))


if __name__ == "__main__":
    kind, path, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    (check_safetensors if kind == "safetensors" else check_svg)(path, rest)
