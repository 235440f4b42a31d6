"""Load a network exported by `aen export-net` and predict with it, with NumPy alone.

    import aen_model
    net = aen_model.load("net")            # the folder aen wrote
    labels = net.predict(images)           # uint8 pixels: N x H x W (grey), N x H x W x C
                                           # or N x C x H x W (colour), or N x (C*H*W)
    logits = net.logits(images)
    module = net.to_torch()                # a torch.nn.Sequential, if torch is installed

The folder holds model.safetensors (every layer dense, PyTorch's nn.Linear layout:
weight [out, in], bias [out]), tied.safetensors (each tied layer's free parameters and
orbit ids) and model.json (groups, normalisation, classes, accuracies, provenance).
`check_tying()` rebuilds the dense weights from tied.safetensors and compares.

Run as a script to predict the images of an .npy file:
    python3 aen_model.py NET IMAGES.npy
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "I32": np.int32, "F64": np.float64, "I64": np.int64}


_CAP = 64 << 20


def _read(path, cap=_CAP):
    """A regular file's bytes, refused if it is anything else or larger than `cap`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > cap:
        raise ValueError(f"{path}: {size} bytes, more than an aen network's file can be ({cap})")
    return path.read_bytes()


def read_safetensors(path):
    """A dict of name -> NumPy array from a .safetensors file."""
    raw = _read(path)
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: its header runs past the end of the file")
    header = json.loads(raw[8:8 + n])
    body = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(info["shape"]).copy()
    return out


class Network:
    def __init__(self, folder):
        folder = Path(folder)
        meta_path = folder / "model.json"
        self.meta = m = json.loads(_read(meta_path, 1 << 20))
        if not isinstance(m, dict) or m.get("format") != "aen-network" or m.get("version") != 2:
            raise ValueError(f"{meta_path}: not a network written by aen export-net (format aen-network, version 2)")
        scale = m.get("pixel_scale")
        if not isinstance(scale, (int, float)) or not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"{meta_path}: pixel_scale is {scale!r}")
        self.channels, self.side = m.get("channels"), m.get("input_side")
        if self.channels not in (1, 3) or not isinstance(self.side, int) or self.side < 2:
            raise ValueError(f"{meta_path}: channels {self.channels!r}, input_side {self.side!r}")
        layers = m.get("layers")
        if not isinstance(layers, list) or not layers or layers[0] != self.channels * self.side ** 2:
            raise ValueError(f"{meta_path}: layers {layers!r} do not start with channels x input_side^2")
        for key in ("mean", "std"):
            v = m.get(key)
            ok = isinstance(v, list) and len(v) == self.channels and all(
                isinstance(e, (int, float)) and np.isfinite(e) and (key == "mean" or e > 0) for e in v)
            if not ok:
                raise ValueError(f"{meta_path}: {key} is {v!r}, not one finite number per channel")
        self.folder = folder
        tensors = read_safetensors(folder / "model.safetensors")
        widths = m["layers"]
        self.layers = []
        for k in range(1, len(widths)):
            w, b = tensors.get(f"fc{k}.weight"), tensors.get(f"fc{k}.bias")
            if w is None or b is None or w.shape != (widths[k], widths[k - 1]) or b.shape != (widths[k],):
                raise ValueError(f"{folder}/model.safetensors: fc{k} is not a {widths[k - 1]} -> {widths[k]} layer")
            if w.dtype != np.float32 or not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise ValueError(f"{folder}/model.safetensors: fc{k} is not finite float32")
            self.layers.append((w, b))
        if set(tensors) != {f"fc{k}.{p}" for k in range(1, len(widths)) for p in ("weight", "bias")}:
            raise ValueError(f"{folder}/model.safetensors: tensors {sorted(tensors)} are not those of model.json's layers")
        self.classes = m["classes"]
        if len(self.classes) != widths[-1]:
            raise ValueError(f"{meta_path}: {len(self.classes)} class names for {widths[-1]} outputs")

    def inputs(self, images):
        """Pixels as the first layer sees them: channel planes in turn (PyTorch's C x H
        x W order; N x H x W x C images are transposed to it), scaled, then standardised
        per channel. uint8 images are 0-255; float images are 0-1 and, as aen reads
        them, kept to 8 bits."""
        raw = np.asarray(images)
        c, side = self.channels, self.side
        shapes = {(c * side * side,), (c, side, side), (side, side, c)}
        if c == 1:
            shapes.add((side, side))
        if raw.ndim < 2 or raw.shape[1:] not in shapes or len(raw) == 0:
            raise ValueError(
                f"images of shape {raw.shape}; this network reads N x {side} x {side}"
                + (f" x {c}, N x {c} x {side} x {side}" if c > 1 else "")
                + f" or N x {c * side * side}, N at least 1")
        if np.issubdtype(raw.dtype, np.floating):
            if not np.all((raw >= 0) & (raw <= 1)):
                raise ValueError("float images must lie in [0, 1]")
            raw = np.rint(raw * 255)
        x = raw.astype(np.float32)
        if x.ndim == 4 and x.shape[1:] == (side, side, c) and x.shape[1:] != (c, side, side):
            x = x.transpose(0, 3, 1, 2)
        x = x.reshape(len(x), c, side * side)
        m = self.meta
        mean = np.asarray(m["mean"], dtype=np.float32)[None, :, None]
        std = np.asarray(m["std"], dtype=np.float32)[None, :, None]
        return ((x * np.float32(m["pixel_scale"]) - mean) / std).reshape(len(x), -1)

    def logits(self, images):
        h = self.inputs(images)
        for i, (w, b) in enumerate(self.layers):
            h = h @ w.T + b
            if i + 1 < len(self.layers):
                h = np.maximum(h, 0)
        return h

    def predict(self, images):
        """Class indices (argmax of the logits, the first on ties)."""
        return self.logits(images).argmax(axis=1)

    def check_tying(self):
        """True if model.safetensors is exactly the expansion of tied.safetensors. (aen
        eval-net also checks that the orbit ids are those of the groups.)"""
        tied = read_safetensors(self.folder / "tied.safetensors")
        try:
            for k, (w, b) in enumerate(self.layers, start=1):
                if f"fc{k}.theta" in tied:
                    full_w = tied[f"fc{k}.theta"][tied[f"fc{k}.weight_ids"]]
                    full_b = tied[f"fc{k}.bias"][tied[f"fc{k}.bias_ids"]]
                else:
                    full_w, full_b = tied[f"fc{k}.weight"], tied[f"fc{k}.bias"]
                if not (np.array_equal(full_w, w) and np.array_equal(full_b, b)):
                    return False
        except (KeyError, IndexError):
            return False
        return True

    def to_torch(self):
        """The same network as a torch.nn.Sequential of Linear layers named fc1, fc2, ...
        with ReLUs between, so its state_dict keys are model.safetensors' names."""
        try:
            import torch
        except ImportError as e:
            raise ImportError("to_torch() needs PyTorch: pip install torch") from e
        from collections import OrderedDict

        mods = OrderedDict()
        for i, (w, b) in enumerate(self.layers, start=1):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            mods[f"fc{i}"] = lin
            if i < len(self.layers):
                mods[f"relu{i}"] = torch.nn.ReLU()
        return torch.nn.Sequential(mods)


def load(folder):
    return Network(folder)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: aen_model.py NET IMAGES.npy")
    try:
        net = load(sys.argv[1])
        if not net.check_tying():
            raise ValueError(f"{sys.argv[1]}: model.safetensors is not the expansion of tied.safetensors")
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as e:
        sys.exit(f"error: {e}")
    print("\n".join(str(int(p)) for p in net.predict(np.load(sys.argv[2]))))
