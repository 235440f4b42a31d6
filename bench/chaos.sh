#!/usr/bin/env bash
# Kills a search and a sweep with SIGKILL at random moments, N times each, resuming after
# every kill, and checks that what they end with equals an uninterrupted run: every
# model and row kept, none twice, the same numbers. Usage: bench/chaos.sh [N] (default 20).
set -euo pipefail
N=${1:-20}
AEN=${AEN:-$(dirname "$0")/../target/release/aen}
AEN=$(realpath "$AEN")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
export XDG_DATA_HOME=$W XDG_CONFIG_HOME=$W
T=(--source embedded --train-size 1500 --val-size 300 --test-size 300 --epochs 1)

"$AEN" search "${T[@]}" --max-models 40 --snapshot ref.json --out ref >/dev/null 2>&1
"$AEN" sweep "${T[@]}" --max-groups 2 --out ref.csv >/dev/null 2>&1

killed=0
# The search: start it, kill it after a random 0.2-1.5 s, resume, until it finishes.
"$AEN" search "${T[@]}" --max-models 40 --snapshot s.json --out s >/dev/null 2>&1 &
pid=$!
for _ in $(seq "$N"); do
  sleep "0.$((RANDOM % 13 + 2))"
  kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || true
  wait $pid 2>/dev/null || true
  "$AEN" search --resume s.json --out s >/dev/null 2>&1 &
  pid=$!
done
wait $pid || true
"$AEN" search --resume s.json --out s >/dev/null 2>&1
# Sweeps: the same, rerunning the command after each kill.
"$AEN" sweep "${T[@]}" --max-groups 2 --out t.csv >/dev/null 2>&1 &
pid=$!
for _ in $(seq "$N"); do
  sleep "0.$((RANDOM % 13 + 2))"
  kill -9 $pid 2>/dev/null && killed=$((killed + 1)) || true
  wait $pid 2>/dev/null || true
  "$AEN" sweep "${T[@]}" --max-groups 2 --out t.csv >/dev/null 2>&1 &
  pid=$!
done
wait $pid || true
"$AEN" sweep "${T[@]}" --max-groups 2 --out t.csv >/dev/null 2>&1

# The same numbers, training seconds aside (they are wall-clock times).
same() {
  python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
skip = int(sys.argv[3])
def rows(p):
    lines = open(p).read().splitlines()[skip:]
    return [[v for k, v in zip(h, r) if "seconds" not in k] for h in [next(csv.reader([lines[0]]))] for r in csv.reader(lines[1:])]
print("yes" if rows(sys.argv[1]) == rows(sys.argv[2]) else "no")
PY
}
same_search=$(same ref/models.csv s/models.csv 0)
same_sweep=$(same ref.csv t.csv 1)
echo "kills: $killed of $((2 * N)) tries landed on a running process"
echo "search: $(($(wc -l < s/models.csv) - 1)) models, identical to the uninterrupted run: $same_search"
echo "sweep: $(($(wc -l < t.csv) - 2)) rows, identical to the uninterrupted run: $same_sweep"
[ "$same_search" = yes ] && [ "$same_sweep" = yes ]
