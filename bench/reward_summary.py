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


def welch_p(a, b, n=20000):
    """Two-sided Welch p-value, the t tail integrated numerically."""
    import math
    m = lambda v: sum(v) / len(v)
    var = lambda v: sum((x - m(v)) ** 2 for x in v) / (len(v) - 1)
    va, vb = var(a) / len(a), var(b) / len(b)
    if va + vb == 0:
        return 1.0 if m(a) == m(b) else 0.0
    t = abs(m(a) - m(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    h, s = 1 / n, 0.0
    for i in range(n):
        u = (i + 0.5) * h
        x = t + u / (1 - u)
        s += c * (1 + x * x / df) ** (-(df + 1) / 2) / (1 - u) ** 2 * h
    return 2 * s


if "paper" in rows:
    print("Welch p against paper (best, top-5 mean, 2nd-half mean):")
    for reward, rs in rows.items():
        if reward == "paper":
            continue
        ps = [welch_p([r[i] for r in rs], [r[i] for r in rows["paper"]]) for i in (1, 2, 3)]
        print(f"  {reward:<9} " + "  ".join(f"{p:.3f}" for p in ps))
