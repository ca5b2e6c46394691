#!/usr/bin/python3
"""Plain PyTorch eager reference for `metricopt bench inner-loop` (mlp-input-bias and cnn-film).

The same workload as the Java benchmark (driver/.../bench/InnerLoopBench.java): the frozen MLP
(784 + 128) -> 256 -> 128 -> 10 with ReLU and a 128-dimensional input-bias adapter phi, batch 128,
ten-class cross-entropy, SGD (lr 0.1, no momentum) on phi only, minibatch k = training images
(128 k + i) mod 10000 of the first 10,000 Fashion-MNIST training images in file order, standardised
as the project does ((p / 255 - 0.2860) / 0.3530), one intra-op thread, 100 untimed warm-up steps
then 1,000 timed steps per run, each run from phi = 0. Theta is random (He-normal, biases zero):
the cost of a step does not depend on its values. Every step reads the loss back (loss.item()), as
the project's inner loop records the loss of every step.

With --workload cnn-film: the project's default CNN instead (conv3x3(16) -> FiLM -> ReLU ->
maxpool2 -> conv3x3(32) -> FiLM -> ReLU -> maxpool2 -> linear(10), FiLM h * (1 + gamma) + beta,
phi = [gamma1, beta1, gamma2, beta2] of 96), everything else the same. Its variants: plain (the
whole network each step), cached (the first convolution computed once for the 10,000 images) and
pooled (the first convolution cached already max- and min-pooled, the algorithm of the project's
CnnFilm).

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


CHANNELS = (16, 32)


def make_cnn_theta(seed):
    gen = torch.Generator().manual_seed(seed)
    c1, c2 = CHANNELS
    return {
        "conv1w": he(9, c1, 1, 3, 3, gen=gen),
        "conv1b": torch.zeros(c1),
        "conv2w": he(9 * c1, c2, c1, 3, 3, gen=gen),
        "conv2b": torch.zeros(c2),
        "fcw": he(c2 * 49, c2 * 49, CLASSES, gen=gen),
        "fcb": torch.zeros(CLASSES),
    }


def film(phi):
    c1, c2 = CHANNELS
    g1, b1, g2, b2 = torch.split(phi, [c1, c1, c2, c2])
    return ((1 + g1).view(1, c1, 1, 1), b1.view(1, c1, 1, 1),
            (1 + g2).view(1, c2, 1, 1), b2.view(1, c2, 1, 1))


def cnn_rest(h1, s2, b2, th, y, idx):
    """From the first layer's pooled activations [B, 16, 14, 14] to the loss."""
    h = F.conv2d(h1, th["conv2w"], th["conv2b"], padding=1)
    h = F.max_pool2d(F.relu(h * s2 + b2), 2)
    logits = F.linear(h.reshape(BATCH, -1), th["fcw"].t(), th["fcb"])
    return F.cross_entropy(logits, y.index_select(0, idx))


def cnn_plain_step_fn(x, y, th):
    """The whole CNN from the pixels each step."""
    images = x.view(-1, 1, 28, 28)

    def forward(phi, idx):
        s1, b1, s2, b2 = film(phi)
        h = F.conv2d(images.index_select(0, idx), th["conv1w"], th["conv1b"], padding=1)
        return cnn_rest(F.max_pool2d(F.relu(h * s1 + b1), 2), s2, b2, th, y, idx)

    return forward


def cnn_cached_step_fn(x, y, th):
    """The first convolution once for all images; each step FiLM, ReLU, pooling and the rest."""
    with torch.no_grad():
        prefix = F.conv2d(x.view(-1, 1, 28, 28), th["conv1w"], th["conv1b"], padding=1)

    def forward(phi, idx):
        s1, b1, s2, b2 = film(phi)
        h = F.max_pool2d(F.relu(prefix.index_select(0, idx) * s1 + b1), 2)
        return cnn_rest(h, s2, b2, th, y, idx)

    return forward


def cnn_pooled_step_fn(x, y, th):
    """The first convolution once, max- and min-pooled; each step picks one per channel's sign."""
    with torch.no_grad():
        conv = F.conv2d(x.view(-1, 1, 28, 28), th["conv1w"], th["conv1b"], padding=1)
        pmax = F.max_pool2d(conv, 2)
        pmin = -F.max_pool2d(-conv, 2)
        del conv

    def forward(phi, idx):
        s1, b1, s2, b2 = film(phi)
        pooled = torch.where(s1 >= 0, pmax.index_select(0, idx), pmin.index_select(0, idx))
        return cnn_rest(F.relu(pooled * s1 + b1), s2, b2, th, y, idx)

    return forward


def timed_run(forward, warmup, steps, adapter):
    phi = torch.zeros(adapter, requires_grad=True)
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


def figure(workload, name, samples):
    return {
        "bench": "inner-loop",
        "workload": workload,
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
    p.add_argument("--workload", choices=["mlp-input-bias", "cnn-film"], default="mlp-input-bias")
    p.add_argument("--variant", choices=["plain", "cached", "pooled", "all", "both"], default="all",
                   help="pooled is cnn-film only; both (= all) is kept for older commands")
    p.add_argument("--data-root", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    if a.repeats < 1 or a.warmup_steps < 1 or a.steps < 1:
        p.error("--repeats, --warmup-steps and --steps must all be at least 1")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x, y = load(a.data_root)
    if a.workload == "cnn-film":
        th = make_cnn_theta(a.seed)
        adapter = 2 * sum(CHANNELS)
        variants = {"plain": ("steps_per_s", cnn_plain_step_fn),
                    "cached": ("steps_per_s_cached_prefix", cnn_cached_step_fn),
                    "pooled": ("steps_per_s_pooled_prefix", cnn_pooled_step_fn)}
    else:
        th = make_theta(a.seed)
        adapter = ADAPTER
        variants = {"plain": ("steps_per_s", plain_step_fn),
                    "cached": ("steps_per_s_cached_prefix", cached_step_fn)}
    if a.variant in ("all", "both"):
        chosen = list(variants)
    elif a.variant in variants:
        chosen = [a.variant]
    else:
        p.error(f"--variant {a.variant} is not one of {', '.join(variants)} for {a.workload}")
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"python {sys.version.split()[0]}, blas {', '.join(blas_libraries())}", file=sys.stderr)
    for v in chosen:
        name, make = variants[v]
        forward = make(x, y, th)
        samples = []
        cpu_samples = []
        for _ in range(a.repeats):
            sps, cpu_sps, first, last = timed_run(forward, a.warmup_steps, a.steps, adapter)
            samples.append(sps)
            cpu_samples.append(cpu_sps)
        print(f"sanity ({v}): loss {first:.4f} at step 0 and {last:.4f} at step "
              f"{a.warmup_steps + a.steps - 1}", file=sys.stderr)
        print(json.dumps(figure(a.workload, name, samples)), flush=True)
        print(json.dumps(figure(a.workload, name.replace("steps_per_s", "steps_per_cpu_s"),
                                cpu_samples)), flush=True)


if __name__ == "__main__":
    main()
