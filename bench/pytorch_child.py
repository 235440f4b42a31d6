#!/usr/bin/env python3
"""The PyTorch peer of aen's child network, for benches/throughput.rs.

Reads a folder written by the benchmark (the same G-data and the same orbit ids aen
uses), trains the PAPER.md section 5 network (784 -> 400 -> 400 -> 10, ReLU, Adam lr
1e-3, batch 64, cross-entropy) and prints one JSON object per line:
  {"net": ..., "images_per_s": ..., "test_acc": ...}
and, first, {"net": "gemm", "images_per_s": ...}: the images/s of a step that were
nothing but its matrix products through PyTorch's own SGEMM, the limit that library
sets on the thread count used (aen's bench measures its own gemm's the same way).

Tied layers are W = theta[orbit_id] (a gather) and b = bias[hidden_orbit_id]; autograd
scatter-adds their gradients. The dense network uses nn.Linear.
"""
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F


def read(folder, name, dtype):
    raw = (folder / name).read_bytes()
    return torch.frombuffer(bytearray(raw), dtype=dtype)


class Tied(nn.Module):
    def __init__(self, w1, b1, w2, b2):
        super().__init__()
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2
        def param(n, fan_in):
            bound = 1.0 / math.sqrt(fan_in)
            return nn.Parameter(torch.empty(n).uniform_(-bound, bound))
        self.t1 = param(int(w1.max()) + 1, 784)
        self.c1 = param(int(b1.max()) + 1, 784)
        self.t2 = param(int(w2.max()) + 1, 400)
        self.c2 = param(int(b2.max()) + 1, 400)
        self.out = nn.Linear(400, 10)

    def forward(self, x):
        h = F.relu(x @ self.t1[self.w1].view(784, 400) + self.c1[self.b1])
        h = F.relu(h @ self.t2[self.w2].view(400, 400) + self.c2[self.b2])
        return self.out(h)


def dense():
    return nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 10))


def run(model, x, y, tx, ty, epochs, batch, seed):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    secs = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item() * 100
    return epochs * n / secs, acc


def gemm_limit(batch, seconds=2.0):
    """Images/s of training steps made of a dense step's products alone."""
    sizes = [(784, 400), (400, 400), (400, 10)]
    xs = [torch.rand(batch, i) for i, _ in sizes]
    ws = [torch.rand(i, o) for i, o in sizes]
    ds = [torch.rand(batch, o) for _, o in sizes]

    def step():
        for x, w in zip(xs, ws):
            x @ w
        for k in reversed(range(len(sizes))):
            xs[k].t() @ ds[k]
            if k > 0:
                ds[k] @ ws[k].t()

    step()
    steps, start = 0, time.perf_counter()
    while steps == 0 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def main():
    folder = Path(sys.argv[1])
    meta = json.loads((folder / "meta.json").read_text())
    # An optional second argument overrides the thread count of meta.json.
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else meta["threads"])
    torch.manual_seed(0)
    x = read(folder, "train_x.f32", torch.float32).view(-1, 784)
    y = read(folder, "train_y.u8", torch.uint8).long()
    tx = read(folder, "test_x.f32", torch.float32).view(-1, 784)
    ty = read(folder, "test_y.u8", torch.uint8).long()
    print(json.dumps({"net": "gemm", "images_per_s": gemm_limit(meta["batch"]), "torch": torch.__version__,
                      "threads": torch.get_num_threads()}), flush=True)
    for net in meta["nets"]:
        name = net["name"]
        if name == "dense":
            model = dense()
        else:
            ids = [read(folder, f"{name}.{k}.u32", torch.int32).long() for k in ("w1", "b1", "w2", "b2")]
            model = Tied(*ids)
        ips, acc = run(model, x, y, tx, ty, net["epochs"], meta["batch"], 0)
        print(json.dumps({"net": name, "images_per_s": ips, "test_acc": acc, "torch": torch.__version__,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
