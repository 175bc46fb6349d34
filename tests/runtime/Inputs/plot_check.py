"""Checks the plots `mlprt-pipeline-tests --write-plots DIR` writes, with
nothing but the standard library: every SVG parses as XML (ElementTree) and
holds what its plot should (and xmllint, where it is installed, accepts
it); every PNG decodes by hand (struct and zlib: the
chunks and their CRCs, IHDR, the IDAT stream inflated and unfiltered) to an
image twice the size of its SVG, drawn on white. Prints one line per file.

Usage: plot_check.py DIR
"""

import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def check_svg(path):
    """The parsed SVG's root; fails unless it is an <svg> with a size."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg", f"{path}: root is {root.tag}"
    return root


def count(root, tag, **attributes):
    """Elements `tag` under root whose attributes include `attributes`."""
    return sum(
        1
        for e in root.iter(SVG + tag)
        if all(e.get(k.replace("_", "-")) == v for k, v in attributes.items())
    )


def decode_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB/RGBA PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: no PNG signature"
    at, chunks = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in {kind}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", f"{path}: chunk order"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"{path}: {depth=} {colour=} {interlace=}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * bpp
    assert len(raw) == height * (stride + 1), f"{path}: IDAT inflates to {len(raw)} bytes"
    rows, prev = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        if kind == 1:
            for i in range(bpp, stride):
                cur[i] = (cur[i] + cur[i - bpp]) & 0xFF
        elif kind == 2:
            cur = bytearray((a + b) & 0xFF for a, b in zip(cur, prev))
        elif kind == 3:
            for i in range(stride):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, f"{path}: row {y} has filter {kind}"
        if bpp == 4:
            rgb = bytearray(width * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = cur[0::4], cur[1::4], cur[2::4]
            rows.append(bytes(rgb))
        else:
            rows.append(bytes(cur))
        prev = cur
    return width, height, rows


def check_png(path, svg_root):
    width, height, rows = decode_png(path)
    want = (2 * int(svg_root.get("width")), 2 * int(svg_root.get("height")))
    assert (width, height) == want, f"{path}: {width}x{height}, expected {want[0]}x{want[1]} (2x the SVG)"
    white_row = b"\xff" * (width * 3)
    blank = sum(1 for r in rows if r == white_row)
    # Margins are white; the drawing is not.
    assert 0 < blank < height, f"{path}: {blank} of {height} rows are white"
    return width, height, height - blank


def main(directory):
    d = Path(directory)
    expected = {
        # name: a check of the SVG's content
        "history": lambda r: count(r, "polyline") == 4 and count(r, "g", stroke_dasharray="6 3") == 2,
        "scatter": lambda r: count(r, "circle") == 150,
        "scatter_scale": lambda r: count(r, "circle") > 390 and count(r, "linearGradient") == 1,
        "histogram": lambda r: count(r, "rect") > 5,
        "histogram_by": lambda r: count(r, "rect", rx="2") == 3,
        "confusion": lambda r: count(r, "rect", width="96.00", height="96.00") == 9
        and sorted(t.text for t in r.iter(SVG + "text") if t.get("fill") in ("white", "#1a1a1a"))
        == sorted(["50", "0", "0", "0", "44", "6", "0", "1", "49"]),
        "confusion_many": lambda r: count(r, "rect", width="33.00", height="33.00") == 144,
        "predicted": lambda r: count(r, "circle") == 442 and count(r, "line", stroke_dasharray="6 4") == 1,
    }
    for name, content in expected.items():
        root = check_svg(d / f"{name}.svg")
        assert content(root), f"{name}.svg does not hold what its plot should"
        width, height, drawn = check_png(d / f"{name}.png", root)
        print(f"{name}: svg ok, png {width}x{height} ok")
    xmllint = shutil.which("xmllint")
    if xmllint:
        svgs = [str(d / f"{name}.svg") for name in expected]
        subprocess.run([xmllint, "--noout", *svgs], check=True)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
