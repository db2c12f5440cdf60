"""Writes the tiny committed Keras fixtures (test/fixtures/keras): one small model trained one step with Adam, saved
as tiny.keras, tiny.weights.h5 and legacy tiny.h5, with Keras's prediction in tiny.json. Tests that run without
TensorFlow and the fuzzer's Keras seeds use them.  Usage: make_tiny_fixtures.py OUT_DIR
"""
import json
import os
import sys
import warnings

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import keras  # noqa: E402

keras.utils.set_random_seed(3)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
x = np.arange(6, dtype="float32").reshape(2, 3) / 6
model.train_on_batch(x, np.ones((2, 2), "float32"))
model.save(os.path.join(out, "tiny.keras"))
model.save_weights(os.path.join(out, "tiny.weights.h5"))
model.save(os.path.join(out, "tiny.h5"))
with open(os.path.join(out, "tiny.json"), "w") as f:
    json.dump({"input": x.tolist(), "prediction": model.predict(x, verbose=0).tolist(), "iterations": 1}, f)
