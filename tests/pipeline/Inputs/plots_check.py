"""Checks the plots tests/pipeline/Inputs/plots.mlp writes with the checks
of tests/runtime/Inputs/plot_check.py: each SVG parses as XML and holds its
points, bars or cells; each PNG decodes to twice the size of the SVG of the
same plot. Prints one line per plot.

Usage: plots_check.py DIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime", "Inputs"))
import plot_check  # noqa: E402

d = sys.argv[1]
svg = lambda name: plot_check.check_svg(os.path.join(d, name + ".svg"))
png = lambda name, root: plot_check.check_png(os.path.join(d, name + ".png"), root)

rects = lambda root: len(list(root.iter(plot_check.SVG + "rect")))
root = svg("confusion")
counts = [t.text.strip() for t in root.iter(plot_check.SVG + "text") if t.text and t.text.strip().isdigit()]
print("confusion texts:", " ".join(counts), "png", png("confusion", root))
# 12 bars and the white background
print("histogram rects:", rects(svg("hist")))
print("histogram by species png", png("hist", svg("hist_by")))
root = svg("predicted")
print("predicted points:", len(list(root.iter(plot_check.SVG + "circle"))), "png", png("predicted", root))
root = svg("scatter")
print("scatter points:", len(list(root.iter(plot_check.SVG + "circle"))), "png", png("scatter", root))
