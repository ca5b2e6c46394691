#!/usr/bin/python3
"""Plain PyTorch eager reference for `metricopt bench inner-loop --workload mlp-input-bias`.

The same workload as the Java benchmark (driver/.../bench/InnerLoopBench.java): the frozen MLP
(784 + 128) -> 256 -> 128 -> 10 with ReLU and a 128-dimensional input-bias adapter phi, batch 128,
ten-class cross-entropy, SGD (lr 0.1, no momentum) on phi only, minibatch k = training images
(128 k + i) mod 10000 of the first 10,000 Fashion-MNIST training images in file order, standardised
as the project does ((p / 255 - 0.2860) / 0.3530), one intra-op thread, 100 untimed warm-up steps
then 1,000 timed steps per run, each run from phi = 0. Theta is random (He-normal, biases zero):
the cost of a step does not depend on its values. Every step reads the loss back (loss.item()), as
the project's inner loop records the loss of every step.

Each variant prints two JSON lines in the Java benchmark's format: steps per wall-clock second
(steps_per_s...) and steps per CPU second of the main thread (steps_per_cpu_s...), the latter being
less sensitive to other load on a shared machine. The two variants:
  plain (figure steps_per_s): the straightforward loop, phi concatenated to every input and the
      whole network run forward and backward each step; the issue's comparison baseline.
  cached (figure steps_per_s_cached_prefix): x W1x + b1 computed once for the 10,000 images
      (theta is frozen), each step only adds phi W1phi; the same algorithm as the project's
      TaskNetwork, for a like-for-like comparison.

Needs Debian's python3-torch (run with /usr/bin/python3); numpy is not used. Debian's build calls
the system BLAS (BLAS_INFO=generic): install libopenblas0-openmp (libtorch1.13 recommends
OpenBLAS), or the alternatives fall back to the reference netlib BLAS, which is many times slower
and would make a meaningless baseline. The BLAS in use is printed on stderr.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

# One thread everywhere, OpenBLAS included, before torch loads it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

IMAGES = 10_000
BATCH = 128
PIXELS = 784
ADAPTER = 128
HIDDEN = (256, 128)
CLASSES = 10
LEARNING_RATE = 0.1
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530


def read_idx(path, magic, count):
    """The first `count` items of a gzipped IDX file as a uint8 tensor (header checked)."""
    with gzip.open(path, "rb") as f:
        got = struct.unpack(">I", f.read(4))[0]
        if got != magic:
            sys.exit(f"{path}: magic {got:#x}, expected {magic:#x}; is this Fashion-MNIST?")
        n = struct.unpack(">I", f.read(4))[0]
        if n < count:
            sys.exit(f"{path}: holds {n} items, need {count}")
        item = 1
        if magic == 0x803:
            rows, cols = struct.unpack(">II", f.read(8))
            item = rows * cols
        data = bytearray(f.read(count * item))
    flat = torch.frombuffer(data, dtype=torch.uint8)
    return flat.reshape(count, item) if item > 1 else flat


def load(root):
    x = read_idx(f"{root}/train-images-idx3-ubyte.gz", 0x803, IMAGES).float()
    y = read_idx(f"{root}/train-labels-idx1-ubyte.gz", 0x801, IMAGES).long()
    return (x / 255.0 - PIXEL_MEAN) / PIXEL_STD, y


def he(fan_in, *shape, gen):
    return torch.randn(*shape, generator=gen) * math.sqrt(2.0 / fan_in)


def make_theta(seed):
    gen = torch.Generator().manual_seed(seed)
    fan1 = PIXELS + ADAPTER
    return {
        "w1x": he(fan1, PIXELS, HIDDEN[0], gen=gen),
        "w1phi": he(fan1, ADAPTER, HIDDEN[0], gen=gen),
        "b1": torch.zeros(HIDDEN[0]),
        "w2": he(HIDDEN[0], HIDDEN[0], HIDDEN[1], gen=gen),
        "b2": torch.zeros(HIDDEN[1]),
        "w3": he(HIDDEN[1], HIDDEN[1], CLASSES, gen=gen),
        "b3": torch.zeros(CLASSES),
    }


def plain_step_fn(x, y, th):
    """phi concatenated to every input; the whole MLP forward and backward."""
    w1 = torch.cat([th["w1x"], th["w1phi"]], 0)  # (912, 256), frozen

    def forward(phi, idx):
        xb = x.index_select(0, idx)
        inp = torch.cat([xb, phi.expand(BATCH, ADAPTER)], 1)
        h = F.relu(F.linear(inp, w1.t(), th["b1"]))
        h = F.relu(F.linear(h, th["w2"].t(), th["b2"]))
        return F.cross_entropy(F.linear(h, th["w3"].t(), th["b3"]), y.index_select(0, idx))

    return forward


def cached_step_fn(x, y, th):
    """x W1x + b1 once for all images; each step adds phi W1phi."""
    with torch.no_grad():
        prefix = x @ th["w1x"] + th["b1"]

    def forward(phi, idx):
        h = F.relu(prefix.index_select(0, idx) + phi @ th["w1phi"])
        h = F.relu(F.linear(h, th["w2"].t(), th["b2"]))
        return F.cross_entropy(F.linear(h, th["w3"].t(), th["b3"]), y.index_select(0, idx))

    return forward


def timed_run(forward, warmup, steps):
    phi = torch.zeros(ADAPTER, requires_grad=True)
    opt = torch.optim.SGD([phi], lr=LEARNING_RATE)
    offsets = torch.arange(BATCH)
    losses = []

    def step(k):
        idx = (offsets + (BATCH * k) % IMAGES) % IMAGES
        loss = forward(phi, idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    k = 0
    first = step(k)
    k += 1
    while k < warmup:
        step(k)
        k += 1
    cpu_start = time.thread_time()
    start = time.perf_counter()
    for _ in range(steps):
        last = step(k)
        k += 1
    elapsed = time.perf_counter() - start
    cpu = time.thread_time() - cpu_start
    return steps / elapsed, steps / cpu, first, last


def figure(name, samples):
    return {
        "bench": "inner-loop",
        "workload": "mlp-input-bias",
        "figure": name,
        "unit": "1/s",
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "runs": len(samples),
    }


def blas_libraries():
    """The BLAS shared objects mapped into this process (resolved through Debian's alternatives)."""
    found = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "blas" in path or "lapack" in path:
                found.add(os.path.realpath(path))
    return sorted(found) or ["none found"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--variant", choices=["plain", "cached", "both"], default="both")
    p.add_argument("--data-root", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    if a.repeats < 1 or a.warmup_steps < 1 or a.steps < 1:
        p.error("--repeats, --warmup-steps and --steps must all be at least 1")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x, y = load(a.data_root)
    th = make_theta(a.seed)
    variants = {"plain": ("steps_per_s", plain_step_fn),
                "cached": ("steps_per_s_cached_prefix", cached_step_fn)}
    chosen = ["plain", "cached"] if a.variant == "both" else [a.variant]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"python {sys.version.split()[0]}, blas {', '.join(blas_libraries())}", file=sys.stderr)
    for v in chosen:
        name, make = variants[v]
        forward = make(x, y, th)
        samples = []
        cpu_samples = []
        for _ in range(a.repeats):
            sps, cpu_sps, first, last = timed_run(forward, a.warmup_steps, a.steps)
            samples.append(sps)
            cpu_samples.append(cpu_sps)
        print(f"sanity ({v}): loss {first:.4f} at step 0 and {last:.4f} at step "
              f"{a.warmup_steps + a.steps - 1}", file=sys.stderr)
        print(json.dumps(figure(name, samples)), flush=True)
        print(json.dumps(figure(name.replace("steps_per_s", "steps_per_cpu_s"), cpu_samples)),
              flush=True)


if __name__ == "__main__":
    main()
