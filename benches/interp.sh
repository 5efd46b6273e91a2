#!/usr/bin/env bash
# Interpreter speed against CPython on the same two programs:
#   benches/interp/fib.aether  / fib.py   recursive fib(25)
#   benches/interp/loop.aether / loop.py  1,000,000 iterations of map and list work
# Usage: benches/interp.sh   (builds the release binary; uses hyperfine when installed)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/aether
for prog in fib loop; do
    a="$bin benches/interp/$prog.aether --memory :memory:"
    p="python3 benches/interp/$prog.py"
    if [ "$($bin benches/interp/$prog.aether --memory :memory:)" != "$(python3 benches/interp/$prog.py)" ]; then
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
