#!/usr/bin/env python3
"""Runs lang/tests/check_grammar.js, the check of the TextMate grammar
lang/mlp.tmLanguage.json, for tests/parser/tmgrammar.test.

Prints "skipped: node or vscode-textmate not installed" and exits 0 where
node, or the npm modules vscode-textmate and vscode-oniguruma (installed with
`cd lang/tests && npm install vscode-textmate vscode-oniguruma`), are missing;
otherwise prints the check's output ("grammar: ok (...)" on success) and
exits with its status.

Usage: run_tmgrammar.py [SOURCE_ROOT]  (default: this file's repository)
"""
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..")
tests_dir = os.path.normpath(os.path.join(root, "lang", "tests"))


def skip():
    print("skipped: node or vscode-textmate not installed")
    sys.exit(0)


node = shutil.which("node") or shutil.which("nodejs")
if not node or not os.path.isfile(os.path.join(tests_dir, "check_grammar.js")):
    skip()
# Resolved from lang/tests, as check_grammar.js resolves them.
probe = subprocess.run(
    [node, "-e", "require.resolve('vscode-textmate');"
                 "require.resolve('vscode-oniguruma/release/onig.wasm')"],
    cwd=tests_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if probe.returncode != 0:
    skip()

try:
    result = subprocess.run([node, "check_grammar.js"], cwd=tests_dir,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=600)
except subprocess.TimeoutExpired:
    print("grammar: FAILED (check_grammar.js took over 600 s)")
    sys.exit(1)
sys.stdout.write(result.stdout)
sys.exit(result.returncode)
