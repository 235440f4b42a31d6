#!/usr/bin/env python3
"""Fails if two modules of src/ import each other, directly or through others: the
engine and its clients keep one direction of dependency (run by .ci/run)."""
import os,re,sys
root=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'); mods={}
for dp,_,fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p=os.path.join(dp,f); rel=os.path.relpath(p, root)[:-3]
        parts=rel.split('/')
        if parts[-1]=='mod': parts=parts[:-1]
        if parts in (['lib'],['main']): parts=[]
        mods['::'.join(parts)]=p
def resolve(cur, path):
    segs=path.split('::')
    if segs[0]=='crate': segs=segs[1:]; base=[]
    elif segs[0]=='super':
        base=cur.split('::')[:-1] if cur else []
        segs=segs[1:]
        while segs and segs[0]=='super': base=base[:-1]; segs=segs[1:]
    else: return None
    full=base+segs
    # alias re-exports at crate root
    if full and full[0] in ('data','experiments','fsio','gdata','groups','nn','orbits','report','search','session','settings','snapshot','train') : full=['engine']+full
    while full and '::'.join(full) not in mods: full=full[:-1]
    return '::'.join(full) if full else None
edges={m:set() for m in mods}
for m,p in mods.items():
    txt="\n".join(l for l in open(p).read().split("\n") if not l.strip().startswith("//"))
    for u in re.findall(r'\b((?:crate|super)(?:::\w+)+)', txt):
        t=resolve(m,u)
        if t is not None and t!=m and not m.startswith(t+'::') and t!='' : edges[m].add(t)
# find cycles (SCCs)
idx={};low={};st=[];on=set();res=[];c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: res.append(comp)
for v in mods:
    if v not in idx: sc(v)
if res:
    print("import circles between modules:", res)
    sys.exit(1)
print("no import circles")
