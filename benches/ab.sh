#!/usr/bin/env bash
# Two or more aether binaries on the same corpora, runs interleaved (A B A B ...) so that they
# share whatever load the machine has; for each, the median wall and CPU (user+sys) seconds.
#   benches/ab.sh OLD_BINARY NEW_BINARY...    (RUNS=7, FILES=12000 by default)
# Corpora from examples/synth_corpus, as in benches/vs_ruff.sh: `mixed` (all of corpus/, a
# third of the files fail to parse), `clean` (valid/ and run/ only), and `empty` (FILES empty
# files: what a file costs beyond its text). Command: check --isolated --quiet --format concise.
# For a figure independent of load, count instructions instead, e.g.
#   valgrind --tool=callgrind BINARY check --isolated --quiet --format concise --jobs 1 DIR
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
runs=${RUNS:-7}
files=${FILES:-12000}
work=${TMPDIR:-/tmp}/aether-ab
rm -rf "$work" && mkdir -p "$work/empty"
. benches/bin.sh
gen=$(release_executable --example synth_corpus)
"$gen" "$work/mixed" "$files" >/dev/null
"$gen" "$work/clean" "$files" valid,run >/dev/null
for i in $(seq "$files"); do : >"$work/empty/f$i.aether"; done
echo "load before: $(uptime | sed 's/.*load average/load average/') on $(nproc) cores"
for corpus in mixed clean empty; do
    lines=$(find "$work/$corpus" -name '*.aether' -exec cat {} + | wc -l)
    echo "== $corpus: $files files, $lines lines, $runs runs each"
    times="$work/times-$corpus"
    : >"$times"
    for _ in $(seq "$runs"); do
        for b in "$@"; do
            /usr/bin/time -f "$b %e %U %S" -a -o "$times" \
                "$b" check --isolated --quiet --format concise "$work/$corpus" >/dev/null 2>&1 || true
        done
    done
    /usr/bin/python3 - "$times" "$@" <<'EOF'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for b in sys.argv[2:]:
    wall = [float(r[1]) for r in rows if r[0] == b]
    cpu = [float(r[2]) + float(r[3]) for r in rows if r[0] == b]
    print(f"{b}: wall {st.median(wall):.3f} s (min {min(wall):.3f}), cpu {st.median(cpu):.3f} s (min {min(cpu):.3f})")
EOF
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"
