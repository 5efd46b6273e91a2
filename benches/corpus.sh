#!/usr/bin/env bash
# Bulk performance of aether at scale, on a deterministic synthetic corpus made from corpus/.
#   benches/corpus.sh [FILES]      (default 100000; needs hyperfine: cargo install hyperfine@1.20.0)
# Measures: check throughput (lines/s), single-file --check time, classify of 10,000 files,
# and peak memory of check at 10,000 and FILES files.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-100000}
work=${TMPDIR:-/tmp}/aether-bench-corpus
rm -rf "$work" && mkdir -p "$work"
. benches/bin.sh
bin=$(release_executable --bin aether)
gen=$(release_executable --example synth_corpus)

echo "== corpora"
"$gen" "$work/big" "$files"
"$gen" "$work/10k" 10000
# The same size from the files that parse and validate (the run/ cases may fail at run time).
"$gen" "$work/clean" "$files" valid,run
# Classification runs scripts: the run/ cases include deliberate endless loops and long waits,
# which take their full timeout by design, so the classify corpus draws from the others.
"$gen" "$work/classify" 10000 valid,invalid,foreign,validation

for corpus in big clean; do
    n=$(find "$work/$corpus" -name '*.aether' -exec cat {} + | wc -l)
    echo "== check throughput: $corpus ($files files, $n lines)"
    hyperfine -N -i --warmup 1 --runs 5 --export-json "$work/check-$corpus.json" \
        "$bin check $work/$corpus --quiet --format concise"
    mean=$(grep -m1 '"mean"' "$work/check-$corpus.json" | tr -dc '0-9.')
    echo "lines per second: $(echo "$n / $mean" | bc)"
done

echo "== single file"
hyperfine -N --warmup 20 --runs 200 "$bin corpus/valid/brace/loops_and_counters.aether --check"

echo "== classify 10,000 files"
(cd "$work" && hyperfine -N --runs 3 "$bin classify --root classify")

echo "== peak memory of check"
for dir in 10k big; do
    # The corpus holds broken files, so check exits 1; only the measurement matters here.
    { /usr/bin/time -v "$bin" check "$work/$dir" --quiet --format concise 2>&1 >/dev/null || true; } \
        | grep -E "Maximum resident" | sed "s/^/$dir: /"
done
