#!/usr/bin/env bash
# Small seeded searches under each reward formula (docs/method.md §6), summarised by
# bench/reward_summary.py. Usage: [MODELS=80] bench/reward_compare.sh AEN_BINARY OUT_DIR [SEEDS]
set -euo pipefail
bin=$1 out=$2 seeds=${3:-"0 1 2 3 4"} models=${MODELS:-80}
mkdir -p "$out"
for seed in $seeds; do
  for reward in paper fraction diff; do
    d="$out/$reward-$seed"
    [ -f "$d/models.csv" ] && continue
    "$bin" search --source embedded --seed "$seed" --reward "$reward" \
      --train-size 800 --val-size 400 --test-size 200 --epochs 2 \
      --max-models "$models" --max-episodes 1000 --episode-len 20 --q-batch 16 \
      --epsilon-schedule 0:1.0,20:0.5,40:0.2,60:0.1 \
      --snapshot "$d.json" --overwrite --out "$d" > "$d.log" 2>&1
  done
done
