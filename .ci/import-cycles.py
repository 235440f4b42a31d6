#!/usr/bin/env python3
"""Fails if two modules of one crate import each other, directly or through others.

Between crates Cargo forbids circles; inside a crate this script does (run by .ci/run
on src/, crates/aen-core/src and crates/aen-engine/src, or on the folders given). An
edge goes from a module to every module it names: by `crate::`, `super::` or `self::`
paths, and by relative paths to its own child modules (`use children::Evaluator` in a
mod.rs). A child that names its parent (`super::Event`, re-exported by the parent) has
an edge to the parent like any other, so a parent that uses the child closes a circle.
"""
import os
import re
import sys


def modules(root):
    mods = {}
    for dp, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith('.rs'):
                continue
            p = os.path.join(dp, f)
            parts = os.path.relpath(p, root)[:-3].split(os.sep)
            if parts[-1] == 'mod':
                parts = parts[:-1]
            if parts in (['lib'], ['main']):
                parts = []
            mods['::'.join(parts)] = p
    return mods


def longest(mods, full):
    while full and '::'.join(full) not in mods:
        full = full[:-1]
    return '::'.join(full) if full else None


def resolve(mods, cur, path):
    segs = path.split('::')
    base = cur.split('::') if cur else []
    if segs[0] == 'crate':
        base, segs = [], segs[1:]
    elif segs[0] == 'self':
        segs = segs[1:]
    elif segs[0] == 'super':
        while segs and segs[0] == 'super':
            base, segs = base[:-1], segs[1:]
    elif '::'.join(base + [segs[0]]) not in mods:
        return None  # an outside crate, a type, a local name
    return longest(mods, base + segs)


def code(path):
    text = open(path).read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    lines = [l for l in text.split('\n') if not l.strip().startswith('//')]
    # Test modules may use anything of their parent.
    out = []
    for l in lines:
        if re.match(r'\s*#\[cfg\(test\)\]', l):
            break
        out.append(l)
    return '\n'.join(out)


def expand_uses(text):
    """Paths of `use a::{b, c::{d}}` spelled out, plus every other path in the code."""
    paths = []
    for m in re.finditer(r'\buse\s+([^;]+);', text):
        stack = [('', m.group(1).replace('\n', ' '))]
        while stack:
            prefix, body = stack.pop()
            body = body.strip()
            if '{' in body:
                i = body.index('{')
                head = body[:i].strip().rstrip(':')
                inner = body[i + 1:body.rindex('}')]
                depth, start = 0, 0
                for j, ch in enumerate(inner + ','):
                    if ch == '{':
                        depth += 1
                    elif ch == '}':
                        depth -= 1
                    elif ch == ',' and depth == 0:
                        part = inner[start:j].strip()
                        if part:
                            stack.append((prefix + head + '::', part))
                        start = j + 1
            else:
                p = (prefix + body).split(' as ')[0].strip()
                if p and not p.endswith('::self'):
                    paths.append(p)
                elif p.endswith('::self'):
                    paths.append(p[:-6])
    paths += re.findall(r'\b((?:crate|super|self)(?:::\w+)+)', text)
    paths += re.findall(r'(?<![:\w])(\w+(?:::\w+)+)', text)
    return paths


def cycles(root):
    mods = modules(root)
    edges = {m: set() for m in mods}
    for m, p in mods.items():
        for u in expand_uses(code(p)):
            t = resolve(mods, m, u)
            if t is not None and t != m:
                edges[m].add(t)
    idx, low, st, on, res, c = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def sc(v):
        idx[v] = low[v] = c[0]
        c[0] += 1
        st.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in idx:
                sc(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                res.append(sorted(comp))
    for v in mods:
        if v not in idx:
            sc(v)
    return res


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    roots = sys.argv[1:] or [os.path.join(here, r) for r in
                             ('src', 'crates/aen-core/src', 'crates/aen-engine/src')]
    bad = False
    for r in roots:
        found = cycles(r)
        for comp in found:
            print(f"import circle in {os.path.normpath(r)}: {' <-> '.join(m or 'crate root' for m in comp)}")
            bad = True
    if bad:
        sys.exit(1)
    print("no import circles")


main()
