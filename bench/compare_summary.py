#!/usr/bin/env python3
"""Summarises `aen compare` folders (closure against none) as the README's tables.

Usage: compare_summary.py DIR   where DIR holds {data}-p{P}-{closure,none}[-dqn]/ folders
written by `aen compare --out`. Prints, per table and strategy: regret at 10, 30, 100 and
300 networks trained (mean over runs) and the median networks to the true top 1 %
(over all runs, one that never got there counting as beyond the budget; with how many
got there), under closure and under none.
"""
import csv
import os
import sys


def load(folder):
    regret, runs = {}, {}
    with open(os.path.join(folder, 'regret.csv')) as f:
        for r in csv.DictReader(f):
            regret[(r['strategy'], int(r['models']))] = float(r['mean_regret'])
    with open(os.path.join(folder, 'runs.csv')) as f:
        for r in csv.DictReader(f):
            runs.setdefault(r['strategy'], []).append(r['models_to_top1'])
    return regret, runs


def median_top1(values):
    """The median over all runs, a run that never reached the top 1 % counting as
    beyond the budget (so it is not an optimistic median of the lucky runs); the upper
    median, as `aen compare` takes it."""
    runs = sorted(int(v) if v not in ('', 'None', 'none', 'NA') else float('inf')
                  for v in values)
    reached = sum(1 for v in runs if v != float('inf'))
    m = runs[len(runs) // 2]
    shown = "> 300" if m == float('inf') else str(m)
    return f"{shown} ({reached}/{len(runs)})"


def main():
    root = sys.argv[1]
    tables = []
    for ds in ('mnist', 'fashion-mnist'):
        for p in range(1, 6):
            tables.append(f"{ds}-p{p}")
    print("| table | strategy | regret @10 | @30 | @100 | @300 | median to top 1 % (runs) |")
    print("|---|---|---|---|---|---|---|")
    for t in tables:
        for suffix, strategies in (('', ('random', 'local', 'evolution')), ('-dqn', ('dqn',))):
            got = {}
            for e in ('closure', 'none'):
                d = os.path.join(root, f"{t}-{e}{suffix}")
                if os.path.exists(os.path.join(d, 'runs.csv')):
                    got[e] = load(d)
            if len(got) < 2:
                continue
            for s in strategies:
                cells = []
                for n in (10, 30, 100, 300):
                    c, nn = got['closure'][0].get((s, n)), got['none'][0].get((s, n))
                    cells.append(f"{c:.2f} / {nn:.2f}")
                top = f"{median_top1(got['closure'][1][s])} / {median_top1(got['none'][1][s])}"
                print(f"| {t} | {s} | " + " | ".join(cells) + f" | {top} |")


main()
