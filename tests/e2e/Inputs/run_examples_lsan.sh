#!/bin/sh
# Builds every example in SRC/examples and runs it with LeakSanitizer loaded
# (LD_PRELOAD: the binaries are not instrumented, LSan intercepts malloc and
# free), in the current directory with a copy of the examples' data. Long
# trainings run for one epoch. Prints each example's name and "clean", or
# the leak report and exits 1.
set -u
src=$1
lsan=/usr/lib/x86_64-linux-gnu/liblsan.so.0
mkdir -p examples && cp -r "$src/examples/data" examples/
status=0
for program in "$src"/examples/*.mlp; do
  name=$(basename "$program" .mlp)
  flags=""
  grep -q "^param epochs" "$program" && flags="--epochs 1"
  mlpc build "$program" -o "$name" || { echo "$name: build failed"; status=1; continue; }
  if LD_PRELOAD=$lsan LSAN_OPTIONS=exitcode=23 "./$name" $flags > "$name.out" 2> "$name.err"; then
    echo "$name: clean"
  else
    echo "$name: exit status $?"; cat "$name.err"; status=1
  fi
done
exit $status
