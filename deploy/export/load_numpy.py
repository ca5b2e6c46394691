#!/usr/bin/env python3
"""One forward pass of an exported MetricOpt value function with numpy alone.

    python3 deploy/export/load_numpy.py EXPORT_DIR --input FILE      # one x = [phi, c] per line
    python3 deploy/export/load_numpy.py EXPORT_DIR --x=0.1,-0.2,...  # one x on the command line

EXPORT_DIR is what `metricopt export --out` wrote. The script reads value_function.safetensors
(an 8-byte little-endian header length, a JSON header, then raw little-endian float32 arrays) and
value_function.json, which describes the layers and how f is computed (README, "Exporting models").
It prints f(x) for every x, one per line. Numbers in FILE or --x are separated by commas or white
space. In residual mode f = M_0 + g: M_0 is read from x (input `residual_offset_index`) unless
--m0 gives it, which it must when the value function has no task context.

Only the standard library and numpy (Debian: python3-numpy).
"""
import argparse
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    """Name -> float32 array, and the __metadata__ strings."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"])
    return tensors, metadata


def value_function(export_dir):
    tensors, _ = read_safetensors(f"{export_dir}/value_function.safetensors")
    with open(f"{export_dir}/value_function.json", encoding="utf-8") as f:
        description = json.load(f)
    return tensors, description


def forward(tensors, description, x, m0=None):
    """f(x) for one input x = [phi, c], following the layers of value_function.json."""
    a = np.asarray(x, dtype=np.float64)
    expected = description["inputs"]["size"]
    if a.shape != (expected,):
        raise ValueError(f"x has {a.size} numbers; the value function takes {expected}")
    for layer in description["layers"]:
        if layer["type"] == "standardise":
            a = (a - tensors[layer["mean"]]) / tensors[layer["std"]]
        elif layer["type"] == "linear":
            # weight is [in, out]: y = x @ weight + bias
            a = a @ tensors[layer["weight"]] + tensors[layer["bias"]]
            if layer["activation"] == "tanh":
                a = np.tanh(a)
            elif layer["activation"] != "identity":
                raise ValueError(f"unknown activation {layer['activation']}")
        else:
            raise ValueError(f"unknown layer type {layer['type']}")
    g = float(a[0])
    output = description["output"]
    if not output["residual"]:
        return g
    if m0 is None:
        index = output["residual_offset_index"]
        if index is None:
            raise ValueError("residual value function without M_0 in x: pass --m0")
        m0 = float(x[index])
    return m0 + g


def numbers(text):
    return [float(v) for v in text.replace(",", " ").split()]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="file with one x per line ('-': standard input)")
    source.add_argument("--x", help="one x, numbers separated by commas (write --x=-0.1,...)")
    parser.add_argument("--m0", type=float, help="M_0 for a residual value function")
    args = parser.parse_args(argv)

    tensors, description = value_function(args.export_dir)
    if args.x is not None:
        rows = [numbers(args.x)]
    else:
        stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
        with stream:
            rows = [numbers(line) for line in stream if line.strip()]
    for x in rows:
        print(repr(forward(tensors, description, x, args.m0)))


if __name__ == "__main__":
    main(sys.argv[1:])
