#!/usr/bin/env python3
"""TensorFlow 2.21's side of the benchmark.

  tf_bench.py write DIR             writes the workloads: DIR/large/ckpt (~1 GiB float32, transformer-like) and
                                    DIR/wide/ckpt (20,000 small variables), plus DIR/shapes.json
  tf_bench.py restore PREFIX KIND   restores PREFIX into equivalent tf.Variables, repeated; prints JSON timings
                                    (seconds, inside the process after import) and the import time
"""
import gc
import json
import os
import resource
import sys
import time

T0 = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0


def large_shapes():
    d, ff, vocab, layers = 1024, 4096, 32000, 18
    shapes = {"embeddings": [vocab, d]}
    for i in range(layers):
        p = f"layer_{i:02d}"
        shapes.update({
            f"{p}/qkv/kernel": [d, 3 * d], f"{p}/qkv/bias": [3 * d],
            f"{p}/proj/kernel": [d, d], f"{p}/proj/bias": [d],
            f"{p}/ffn1/kernel": [d, ff], f"{p}/ffn1/bias": [ff],
            f"{p}/ffn2/kernel": [ff, d], f"{p}/ffn2/bias": [d],
            f"{p}/ln1/gamma": [d], f"{p}/ln1/beta": [d], f"{p}/ln2/gamma": [d], f"{p}/ln2/beta": [d],
            f"{p}/scale": [],
        })
    shapes["final_ln/gamma"] = [d]
    shapes["final_ln/beta"] = [d]
    return shapes


def wide_shapes():
    return {f"block_{i:05d}/w": [4] for i in range(20000)}


class Tree(tf.Module):
    pass


def build(shapes, rng=None):
    """A tf.Module tree whose paths are the shape names (dicts of dicts), with variables of those shapes."""
    root = Tree()
    params = {}
    variables = {}
    for name, shape in shapes.items():
        node = params
        parts = name.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        value = rng.standard_normal(shape, dtype=np.float32) if rng is not None else np.zeros(shape, np.float32)
        v = tf.Variable(value)
        node[parts[-1]] = v
        variables[name] = v
    # Tracked after it is complete: TF refuses dicts mutated after being tracked.
    root.params = params
    return root, variables


def write(out):
    rng = np.random.default_rng(0)
    for kind, shapes in (("large", large_shapes()), ("wide", wide_shapes())):
        root, _ = build(shapes, rng)
        tf.train.Checkpoint(root=root).write(os.path.join(out, kind, "ckpt"))
        del root
    with open(os.path.join(out, "shapes.json"), "w") as f:
        json.dump({"large": large_shapes(), "wide": wide_shapes()}, f)


def restore(prefix, kind, runs):
    shapes = large_shapes() if kind == "large" else wide_shapes()
    root, _ = build(shapes)
    ckpt = tf.train.Checkpoint(root=root)
    times = []
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()  # as the JS side collects before each contender
    for _ in range(runs):
        t = time.perf_counter()
        ckpt.read(prefix).assert_existing_objects_matched()
        times.append(time.perf_counter() - t)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"import_seconds": IMPORT_SECONDS, "times": times, "peak_rss_growth_bytes": (rss1 - rss0) * 1024}))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        restore(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 6)
