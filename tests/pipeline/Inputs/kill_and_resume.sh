#!/bin/sh
# Starts PROGRAM (with its flags), kills it with SIGKILL in the middle of
# training (a moment after its first checkpoint appears), then runs it again
# with --resume. Prints what the second run says on stderr.
set -u
rm -rf ckpt final.safetensors
"$@" > killed.log 2>&1 &
pid=$!
while [ ! -f ckpt/net.safetensors ]; do
  kill -0 "$pid" 2>/dev/null || { echo "finished before its first checkpoint"; exit 1; }
  sleep 0.01
done
sleep 0.2
kill -9 "$pid"
wait "$pid"
echo "first run ended with status $?"
test ! -f final.safetensors || { echo "the first run finished before the kill"; exit 1; }
"$@" --resume > resumed.log
