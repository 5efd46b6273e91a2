#!/usr/bin/env bash
# Interpreter speed against CPython on the same two programs:
#   benches/interp/fib.aether  / fib.py   recursive fib(25)
#   benches/interp/loop.aether / loop.py  1,000,000 iterations of map and list work
# Usage: benches/interp.sh   (builds the release binary; uses hyperfine when installed)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/bin.sh
bin=$(release_executable --bin aether)
# The real interpreter, not a pyenv shim (a shim adds its own start-up to every run).
py=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
for prog in fib loop; do
    a="$bin benches/interp/$prog.aether --memory :memory:"
    p="$py benches/interp/$prog.py"
    # Separate captures, so a failing run stops the script (set -e) instead of reading as a
    # difference of results.
    got=$($bin benches/interp/$prog.aether --memory :memory:)
    want=$($py benches/interp/$prog.py)
    if [ "$got" != "$want" ]; then
        echo "$prog: aether and python print different results" >&2
        exit 1
    fi
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 1 --runs 10 -N "$a" "$p"
    else
        for cmd in "$a" "$p"; do
            best=""
            for _ in 1 2 3 4 5; do
                s=$(date +%s.%N); $cmd >/dev/null; e=$(date +%s.%N)
                t=$(echo "$e - $s" | bc)
                if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
            done
            printf '%-60s best of 5: %.3f s\n' "$cmd" "$best"
        done
    fi
done
