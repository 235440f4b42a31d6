"""Writes scikit-learn's bundled handwritten digits (UCI's optical recognition set: 1,797
greyscale 8x8 images of 0-9, pixel values 0-16) as an .npz in Keras' layout, for
`aen search --dataset files --data-dir DIR`. The data comes from the scikit-learn wheel on
PyPI, which needs no internet beyond the package registry and no install:

    pip download scikit-learn --no-deps -d wheel
    python3 python/digits_npz.py wheel/scikit_learn-*.whl digits/

The first 1,297 images are the training file and the last 500 the test file; pixels are
scaled to 0-255 (v * 255 / 16, rounded).
"""
import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "sklearn/datasets/data/digits.csv.gz"
TRAIN = 1297


def main(wheel, out):
    with zipfile.ZipFile(wheel) as z:
        raw = gzip.decompress(z.read(MEMBER))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise SystemExit(f"{wheel}: {MEMBER} is {table.shape}, expected 1797 rows of 64 pixels and a label")
    x = np.rint(table[:, :64] * 255 / 16).astype(np.uint8).reshape(-1, 8, 8)
    y = table[:, 64].astype(np.uint8)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "digits.npz", x_train=x[:TRAIN], y_train=y[:TRAIN], x_test=x[TRAIN:], y_test=y[TRAIN:])
    print(f"wrote {out / 'digits.npz'}: {TRAIN} training and {len(x) - TRAIN} test images, 8x8, classes 0-9")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: digits_npz.py SCIKIT_LEARN_WHEEL OUT_DIR")
    main(sys.argv[1], sys.argv[2])
