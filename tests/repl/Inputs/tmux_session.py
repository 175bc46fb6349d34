"""Drives a program in a real terminal, a tmux pane, and prints its screen.

usage: tmux_session.py SCRIPT COMMAND...

SCRIPT's lines starting with `# ` and one of these words drive the pane, in
order:
  SEND: text    types text, then Enter
  TYPE: text    types text
  KEY: name     presses keys by tmux's names (C-c, C-d, Tab, Up, Enter)
  EXIT: status  waits (60 s at most) until the program has ended, and fails
                unless it ended with that status
  WAIT: regex   waits (60 s at most) until the screen has changed since the
                last key and shows regex once more than it did then, or,
                for a regex ending in \Z (a fresh prompt: `mlp>\s*\Z`),
                shows it at its end
At the end the whole screen, scrollback included, goes to stdout, with the
trailing blank lines dropped; a WAIT that times out prints the screen too,
and the program's threads' stacks (by gdb, where it is installed), then
exits 1.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

if sys.argv[1] == "--run":
    # Inside the pane: runs the program and writes how it ended to a file,
    # which tmux's own record of it (pane_dead_status) does not do reliably.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the program's
    child = subprocess.Popen(sys.argv[3:], preexec_fn=lambda: signal.signal(
        signal.SIGINT, signal.SIG_DFL))
    code = child.wait()
    with open(sys.argv[2], "w") as f:
        f.write(str(code) if code >= 0 else "signal %d" % -code)
    sys.exit(0)

script, command = sys.argv[1], sys.argv[2:]
work = tempfile.mkdtemp()
status_file = os.path.join(work, "status")
socket = os.path.join(work, "tmux")
config = os.path.join(work, "tmux.conf")
with open(config, "w") as f:
    # The pane stays after the program exits, so its last words can be read.
    f.write("set -g remain-on-exit on\nset -g history-limit 10000\n")


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-S", socket, "-f", config, *args],
                          check=check, capture_output=True, text=True).stdout


def screen():
    text = tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "repl")
    return text.rstrip("\n") + "\n"


def hung(what):
    """Says what never showed, with the program's stacks if gdb is here."""
    pid = subprocess.run(["pgrep", "-P", tmux("display-message", "-p", "-t", "repl",
                                               "#{pane_pid}").strip()],
                         capture_output=True, text=True).stdout.split()
    pid = pid[0] if pid else ""
    if pid and os.path.exists("/usr/bin/gdb"):
        subprocess.run(["gdb", "-p", pid, "-batch", "-ex", "thread apply all bt 15"],
                       stdout=sys.stderr, stderr=subprocess.DEVNULL)
    sys.exit("tmux_session: timed out waiting for: " + what)


tmux("new-session", "-d", "-x", "100", "-y", "40", "-s", "repl",
     " ".join("'" + a.replace("'", "'\\''") + "'"
              for a in [sys.executable, __file__, "--run", status_file] + command))
last = ""  # the screen when the last key was sent
seen = {}  # each WAIT's regex -> its matches on that screen
try:
    for line in open(script):
        m = re.match(r"#\s*(SEND|TYPE|KEY|WAIT|EXIT):\s?(.*?)\s*$", line)
        if not m:
            continue
        word, arg = m.groups()
        if word == "EXIT":
            deadline = time.time() + 60
            while not os.path.exists(status_file) or not open(status_file).read():

                if time.time() > deadline:
                    sys.stdout.write(screen())
                    hung("the program to end")
                time.sleep(0.05)
            status = open(status_file).read()
            if status != arg:
                sys.stdout.write(screen())
                sys.exit("tmux_session: the program ended with status %s, not %s" % (status, arg))
            continue
        if word == "WAIT":
            # The screen must have changed since the last key, and show the
            # regex once more than it did then, or (a regex ending in \Z,
            # such as a fresh prompt) show it at its end.
            pattern = re.compile(arg, re.M)
            deadline = time.time() + 60
            while True:
                text = screen()
                found = len(pattern.findall(text))
                if text != last and (found > seen.get(arg, 0) or
                                     (arg.endswith("\\Z") and found)):
                    break
                if time.time() > deadline:
                    sys.stdout.write(text)
                    hung(arg)
                time.sleep(0.05)
            continue
        last = screen()
        seen = {w: len(re.findall(w, last, re.M))
                for w in re.findall(r"^#\s*WAIT:\s?(.*?)\s*$", open(script).read(), re.M)}
        if word == "KEY":
            tmux("send-keys", "-t", "repl", *arg.split())
        else:
            tmux("send-keys", "-t", "repl", "-l", arg)
            if word == "SEND":
                tmux("send-keys", "-t", "repl", "Enter")
    sys.stdout.write(screen())
finally:
    tmux("kill-server", check=False)
