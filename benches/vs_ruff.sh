#!/usr/bin/env bash
# aether check against ruff check on equal line counts, both tools in one run.
#   benches/vs_ruff.sh [FILES]      (default 12000 synthetic files, about 430,000 lines)
# Needs ruff (`python3 -m pip install ruff`) and, for the timings, hyperfine
# (`apt-get install hyperfine`; without it: best of 5 wall-clock runs).
#
# Corpora, all deterministic:
#   mixed  FILES files from examples/synth_corpus over all of corpus/ (a third fail to parse)
#   clean  FILES files from the valid/ and run/ cases only
#   big    the clean corpus joined into one file (the parse-only and memory figures)
# and for each, CPython's standard library (tests excluded; files in sorted order, repeated
# when it is too short) copied to exactly the same number of lines, the last file truncated.
# Commands compared:
#   aether check --quiet --format concise DIR
#   ruff check --no-cache --isolated --select E,F --quiet DIR
# aether reads the aether.toml synth_corpus writes at the top of each corpus (the host names
# and module directory the cases rely on), as a project's check would; with --isolated the
# clean corpus would report those names as unknown. ruff gets --isolated: the Python corpora
# hold no configuration.
# and on the big file, parse-only (`aether parse --stats`, ruff `--select E9`) and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-12000}
work=${TMPDIR:-/tmp}/aether-vs-ruff
rm -rf "$work" && mkdir -p "$work"

# The real ruff executable, never a pyenv shim (a shim adds ~300 ms to every start).
resolve_ruff() {
    local py r
    for py in /usr/bin/python3 python3; do
        r=$("$py" -c 'from ruff.__main__ import find_ruff_bin; print(find_ruff_bin())' 2>/dev/null) \
            && [ -x "$r" ] && { readlink -f "$r"; return; }
    done
    r=$(command -v ruff || true)
    if [ -n "$r" ] && ! grep -qs pyenv "$r"; then
        readlink -f "$r"
        return
    fi
    echo "ruff not found: /usr/bin/python3 -m pip install ruff" >&2
    return 1
}
ruff=$(resolve_ruff)
. benches/bin.sh
aether=$(release_executable --bin aether)
gen=$(release_executable --example synth_corpus)
stdlib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')

count_lines() { find "$1" -type f \( -name '*.aether' -o -name '*.py' \) -exec cat {} + | wc -l; }

# Copy standard-library modules into $1 until it holds exactly $2 lines.
python_corpus() {
    local out=$1 want=$2 have=0 round=0 f n
    mapfile -t mods < <(find "$stdlib" -name '*.py' -not -path '*/test/*' -not -path '*/tests/*' \
        -not -path '*/site-packages/*' -not -path '*/dist-packages/*' -not -path '*/idle_test/*' |
        LC_ALL=C sort)
    while [ "$have" -lt "$want" ]; do
        round=$((round + 1))
        mkdir -p "$out/r$round"
        for f in "${mods[@]}"; do
            [ "$have" -ge "$want" ] && break
            n=$(wc -l <"$f")
            dest="$out/r$round/$(echo "${f#"$stdlib"/}" | tr / _)"
            if [ $((have + n)) -gt "$want" ]; then
                head -n $((want - have)) "$f" >"$dest"
                n=$((want - have))
            else
                cp "$f" "$dest"
            fi
            have=$((have + n))
        done
    done
}

echo "== versions"
echo "aether: $aether"
echo "ruff:   $ruff ($("$ruff" --version))"
echo "load:   $(uptime | sed 's/.*load average/load average/') on $(nproc) cores"

echo "== corpora"
"$gen" "$work/mixed" "$files" >/dev/null
"$gen" "$work/clean" "$files" valid,run >/dev/null
find "$work"/clean/d* -name '*.aether' | LC_ALL=C sort | xargs cat >"$work/big.aether"
mkdir -p "$work/big"
mv "$work/big.aether" "$work/big/"
# The joined file's configuration is the clean corpus's (its 25 lines of modules in lib/ are
# left out, so the folder holds exactly the one file the parse-only row measures).
cp "$work/clean/aether.toml" "$work/big/"
for c in mixed clean big; do
    python_corpus "$work/py-$c" "$(count_lines "$work/$c")"
done
if [ "$(count_lines "$work/py-big")" -gt 0 ]; then
    find "$work/py-big" -name '*.py' | LC_ALL=C sort | xargs cat >"$work/big.py"
    rm -rf "$work/py-big" && mkdir -p "$work/py-big" && mv "$work/big.py" "$work/py-big/"
fi
for c in mixed clean big; do
    printf '%-6s aether %9d lines %5d files %6d KB | python %9d lines %5d files %6d KB\n' "$c" \
        "$(count_lines "$work/$c")" "$(find "$work/$c" -type f | wc -l)" "$(du -sk "$work/$c" | cut -f1)" \
        "$(count_lines "$work/py-$c")" "$(find "$work/py-$c" -type f | wc -l)" "$(du -sk "$work/py-$c" | cut -f1)"
done

# Median seconds of each command, one hyperfine run for both (so both see the same load).
time_pair() {
    local name=$1 a=$2 r=$3
    if command -v hyperfine >/dev/null; then
        hyperfine -N -i --warmup 1 --runs "${RUNS:-5}" --style basic \
            --export-json "$work/$name.json" -n aether "$a" -n ruff "$r" >&2
        /usr/bin/python3 -c 'import json,sys; print(*[r["median"] for r in json.load(open(sys.argv[1]))["results"]])' \
            "$work/$name.json"
    else
        local out="" cmd best s e t
        for cmd in "$a" "$r"; do
            best=""
            for _ in 1 2 3 4 5; do
                s=$(date +%s.%N); $cmd >/dev/null 2>&1 || true; e=$(date +%s.%N)
                t=$(echo "$e - $s" | bc)
                if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
            done
            out="$out $best"
        done
        echo $out
    fi
}

report() {
    local what=$1 lines_a=$2 lines_r=$3 ta=$4 tr=$5
    /usr/bin/python3 - "$what" "$lines_a" "$lines_r" "$ta" "$tr" <<'EOF'
import sys
what, la, lr, ta, tr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
a, r = la / ta, lr / tr
verdict = f"aether {a / r:.2f}x ruff's lines/s"
print(f"| {what} | {la:,} | {a / 1e3:,.0f}k lines/s ({ta:.3f} s) | {r / 1e3:,.0f}k lines/s ({tr:.3f} s) | {verdict} |")
EOF
}

rows=()
for c in mixed clean big; do
    echo "== check: $c"
    read -r ta tr < <(time_pair "check-$c" \
        "$aether check --quiet --format concise $work/$c" \
        "$ruff check --no-cache --isolated --select E,F --quiet $work/py-$c")
    rows+=("$(report "check, $c" "$(count_lines "$work/$c")" "$(count_lines "$work/py-$c")" "$ta" "$tr")")
done
echo "== parse only: big"
read -r ta tr < <(time_pair "parse-big" \
    "$aether parse --stats $work/big/big.aether" \
    "$ruff check --no-cache --isolated --select E9 --quiet $work/py-big")
rows+=("$(report "parse only, one file" "$(count_lines "$work/big")" "$(count_lines "$work/py-big")" "$ta" "$tr")")
echo "parse only: $(echo "scale=1; $(stat -c %s "$work/big/big.aether") / 1000000 / $ta" | bc) MB/s"

echo "== peak memory: big ($(stat -c %s "$work/big/big.aether") bytes)"
for cmd in "$aether check --quiet --format concise $work/big" "$aether parse --stats $work/big/big.aether"; do
    kb=$( { /usr/bin/time -v $cmd 2>&1 >/dev/null || true; } | sed -n 's/.*Maximum resident set size (kbytes): //p')
    echo "$cmd: $((kb / 1024)) MB peak, $(echo "scale=1; $kb * 1024 / $(stat -c %s "$work/big/big.aether")" | bc)x the file"
done

echo
echo "| what | lines | aether | ruff (E,F) | ratio |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
