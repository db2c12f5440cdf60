#!/usr/bin/env python3
"""TensorFlow 2.21 as the judge of what tfjs-checkpoint writes. Called by the jest tests (test/helpers/tf.ts):
`tf_judge.py COMMAND ARGS_JSON` prints one JSON object.

  oracle {prefix}                         what TF reads: the _TF_ORACLE.json fields (generate.py's oracle())
  module_restore {prefix, spec}           restore into a tf.Module tree built from a live spec; values + asserts
  keras3_restore {prefix, case, input}    restore into generate.py's Keras 3 model `case`; its predictions
  manager {directory, max_to_keep}        what tf.train.CheckpointManager and latest_checkpoint see in a directory
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import generate  # noqa: E402


asserts = generate.assertion_outcomes


def module_restore(args):
    root, label_of = generate.build_root(args["spec"])
    status = tf.train.Checkpoint(root).read(args["prefix"])
    out = asserts(status)
    status.expect_partial()
    out["values"] = {json.dumps(label_of[id(v)], separators=(",", ":"), ensure_ascii=False): np.asarray(v).tolist() for v in root.variables if id(v) in label_of}
    return out


def keras3_restore(args):
    import keras

    model = generate.KERAS3_BUILDERS[args["case"]]()
    x = np.asarray(args["input"], dtype=np.float32)
    model(x)
    status = tf.train.Checkpoint(model=model).read(args["prefix"])
    out = asserts(status)
    status.expect_partial()
    out["predictions"] = np.asarray(model(x, training=False)).tolist()
    del keras
    return out


def keras3_resave(args):
    """Restore a tfjs save (Keras 3 layout, model + Adam) into Keras 3 and write it again with TF."""
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(3)])
    optimizer = keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_variables)
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
    status = ckpt.read(args["prefix"])
    out = asserts(status)
    status.expect_partial()
    out["iterations"] = int(optimizer.iterations.numpy())
    out["written"] = ckpt.write(args["out"])
    return out


def manager(args):
    ckpt = tf.train.Checkpoint(v=tf.Variable(0.0))
    m = tf.train.CheckpointManager(ckpt, args["directory"], max_to_keep=args["max_to_keep"])
    return {"checkpoints": m.checkpoints, "latest": m.latest_checkpoint,
            "latest_checkpoint": tf.train.latest_checkpoint(args["directory"])}


def main():
    command, args = sys.argv[1], json.loads(sys.argv[2])
    if command == "oracle":
        result = generate.oracle(args["prefix"])
    else:
        result = {"module_restore": module_restore, "keras3_restore": keras3_restore, "keras3_resave": keras3_resave, "manager": manager}[command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
