#!/usr/bin/env python3
"""Summarises bench/reward_compare.sh: per reward, over seeds, the best validation
accuracy found, the mean of the 5 best, and the mean accuracy of the models trained in
the second half (mostly greedy steps), all in percent."""
import csv, statistics, sys, pathlib

out = pathlib.Path(sys.argv[1])
rows = {}
for f in sorted(out.glob("*/models.csv")):
    reward, seed = f.parent.name.rsplit("-", 1)
    accs = [float(r["val_acc"]) for r in csv.DictReader(open(f))]
    half = accs[len(accs) // 2:]
    rows.setdefault(reward, []).append(
        (int(seed), max(accs), statistics.mean(sorted(accs)[-5:]), statistics.mean(half), len(accs)))
print(f"{'reward':<9} {'seeds':>5} {'best':>13} {'top-5 mean':>13} {'2nd-half mean':>14}")
for reward, rs in rows.items():
    def ms(i):
        v = [r[i] for r in rs]
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        return f"{statistics.mean(v):6.2f}±{sd:5.2f}"
    print(f"{reward:<9} {len(rs):>5} {ms(1):>13} {ms(2):>13} {ms(3):>14}")
    for r in rs:
        print(f"    seed {r[0]}: best {r[1]:.2f}, top-5 {r[2]:.2f}, 2nd half {r[3]:.2f}, models {r[4]}")
