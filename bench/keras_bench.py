#!/usr/bin/env python3
"""Keras 3's side of the Keras-file benchmark: one model saved both ways.

  keras_bench.py write DIR   builds an MLP of 2048-wide Dense layers (~84 MB of float32) and writes
                             DIR/model.weights.h5 (model.save_weights) and DIR/ckpt (tf.train.Checkpoint(model).write)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

WIDTH, DEPTH = 2048, 5

out = sys.argv[2]
os.makedirs(out, exist_ok=True)
model = keras.Sequential([keras.Input((WIDTH,))] + [keras.layers.Dense(WIDTH) for _ in range(DEPTH)])
model.save_weights(os.path.join(out, "model.weights.h5"))
tf.train.Checkpoint(model).write(os.path.join(out, "ckpt"))
