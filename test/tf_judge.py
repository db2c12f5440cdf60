#!/usr/bin/env python3
"""TensorFlow 2.21 as the judge of what tfjs-checkpoint writes. Called by the jest tests (test/helpers/tf.ts):
`tf_judge.py COMMAND ARGS_JSON` prints one JSON object.

  oracle {prefix}                         what TF reads: the _TF_ORACLE.json fields (generate.py's oracle())
  module_restore {prefix, spec}           restore into a tf.Module tree built from a live spec; values + asserts
  keras3_restore {prefix, case, input}    restore into generate.py's Keras 3 model `case`; its predictions
  manager {directory, max_to_keep}        what tf.train.CheckpointManager and latest_checkpoint see in a directory
  keras_layer_restore {cases: [{prefix, case, inputs}]}  restore each into keras_layers.py's Keras 3 model `case`
  savedmodel_predict {dir, input}         a SavedModel's serving_default output, run by TF's v1 loader
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


def keras_layer_restore(args):
    import keras_layers

    results = []
    for c in args["cases"]:
        model = keras_layers.CASES[c["case"]][0]()
        inputs = [np.asarray(x, dtype=np.float32) for x in c["inputs"]]
        status = tf.train.Checkpoint(model=model).read(c["prefix"])
        out = asserts(status)
        status.expect_partial()
        for layer in model.layers:
            if layer.__class__.__name__ == "Normalization":
                layer.finalize_state()
        ys = model(inputs if len(inputs) > 1 else inputs[0], training=False)
        out["outputs"] = [np.asarray(y).tolist() for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
        results.append(out)
    return {"results": results}


def savedmodel_predict(args):
    """The v1 loader runs the saved graph as written; tf.saved_model.load cannot rebuild some Keras 2 optimizers."""
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], args["dir"])
        sig = meta.signature_def["serving_default"]
        x = np.asarray(args["input"], dtype=np.float32)
        y = sess.run(list(sig.outputs.values())[0].name, {list(sig.inputs.values())[0].name: x})
    return {"output": np.asarray(y).tolist()}


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
        result = {"module_restore": module_restore, "keras3_restore": keras3_restore, "keras3_resave": keras3_resave, "manager": manager,
                  "keras_layer_restore": keras_layer_restore, "savedmodel_predict": savedmodel_predict}[command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
