"""Builds, trains and saves Keras 3 models in Keras's own formats for test/keras_files.test.ts.

Usage: make_keras_files.py OUT_DIR
For each model NAME writes NAME.keras (model.save), NAME.weights.h5 (save_weights), NAME.h5 (legacy model.save)
and records inputs and Keras's predictions in OUT_DIR/expected.json. The model "mlp_adam" also records one more
training step (inputs, targets and the weights after Keras's step) to judge that optimizer state resumes.
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
from keras import layers as L  # noqa: E402

keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def floats(*shape):
    return rng.standard_normal(shape).astype("float32")


def mlp():
    m = keras.Sequential([keras.Input((4,)), L.Dense(16, activation="relu"), L.BatchNormalization(), L.Dropout(0.2), L.Dense(3)])
    return m, [floats(6, 4)]


def cnn():
    m = keras.Sequential([
        keras.Input((8, 8, 2)),
        L.Conv2D(4, 3, activation="relu"),
        L.MaxPooling2D(),
        L.Conv2D(6, 3, padding="same"),
        L.Flatten(),
        L.Dense(5),
    ])
    return m, [floats(3, 8, 8, 2)]


def lstm():
    m = keras.Sequential([keras.Input((5,), dtype="int32"), L.Embedding(30, 6), L.LSTM(7), L.Dense(2)])
    return m, [rng.integers(0, 30, (4, 5)).astype("int32")]


def bilstm():
    m = keras.Sequential([keras.Input((5, 3)), L.Bidirectional(L.LSTM(4)), L.Dense(2)])
    return m, [floats(2, 5, 3)]


def gru():
    # tfjs's GRU implements reset_after=False only.
    m = keras.Sequential([keras.Input((5, 3)), L.GRU(4, reset_after=False), L.Dense(2)])
    return m, [floats(2, 5, 3)]


def gru_reset_after():
    m = keras.Sequential([keras.Input((5, 3)), L.GRU(4), L.Dense(2)])
    return m, [floats(2, 5, 3)]


def functional():
    a = keras.Input((3,), name="a")
    b = keras.Input((4,), name="b")
    x = L.Concatenate()([L.Dense(5, activation="relu", name="da")(a), L.Dense(5, activation="tanh", name="db")(b)])
    x = L.LayerNormalization()(x)
    m = keras.Model([a, b], L.Dense(2, name="head")(x))
    return m, [floats(4, 3), floats(4, 4)]


def nested():
    # A Sequential inside a functional model: Keras 3 saves it as layers/sequential/layers/….
    inner = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu")])
    x = keras.Input((4,))
    m = keras.Model(x, L.Dense(2)(inner(x)))
    return m, [floats(3, 4)]


def attention():
    # Layers tfjs lacks (added by the package's Keras layers): Normalization, MultiHeadAttention, GRU(reset_after).
    x = keras.Input((5, 8))
    norm = L.Normalization()
    norm.adapt(floats(10, 5, 8))
    h = norm(x)
    h = L.MultiHeadAttention(2, 4)(h, h)
    m = keras.Model(x, L.Dense(2)(L.GRU(3)(h)))
    return m, [floats(2, 5, 8)]


MODELS = {"mlp": mlp, "cnn": cnn, "lstm": lstm, "bilstm": bilstm, "gru": gru, "gru_reset_after": gru_reset_after, "functional": functional, "nested": nested, "attention": attention}
expected = {}
for name, make in MODELS.items():
    model, inputs = make()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    targets = floats(inputs[0].shape[0], model.outputs[0].shape[-1])
    # A few steps so weights, BatchNormalization statistics and Adam's slots all hold trained values.
    model.fit(inputs, targets, epochs=3, batch_size=2, verbose=0)
    model.save(os.path.join(out, f"{name}.keras"))
    model.save_weights(os.path.join(out, f"{name}.weights.h5"))
    model.save(os.path.join(out, f"{name}.h5"))
    expected[name] = {
        "inputs": [{"dtype": str(x.dtype), "shape": list(x.shape), "values": x.ravel().tolist()} for x in inputs],
        "prediction": np.asarray(model.predict(inputs, verbose=0)).ravel().tolist(),
    }

# Keras 2's save_weights('x.h5') layout (layer groups at the file's root), written by Keras 3's legacy writer.
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402
import h5py  # noqa: E402

mlp_model = keras.saving.load_model(os.path.join(out, "mlp.keras"))
with h5py.File(os.path.join(out, "mlp.legacy_weights.h5"), "w") as f:
    legacy_h5_format.save_weights_to_hdf5_group(f, mlp_model)

# One more training step of a model without dropout: the next weights depend on the restored Adam state.
model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="tanh"), L.Dense(3)])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
x, y = floats(8, 4), floats(8, 3)
model.fit(x, y, epochs=4, batch_size=4, verbose=0, shuffle=False)
model.save(os.path.join(out, "mlp_adam.keras"))
model.save_weights(os.path.join(out, "mlp_adam.weights.h5"))
model.save(os.path.join(out, "mlp_adam.h5"))
before = [w.numpy().ravel().tolist() for w in model.weights]
model.train_on_batch(x, y)
expected["mlp_adam"] = {
    "x": x.ravel().tolist(),
    "y": y.ravel().tolist(),
    "iterations": int(model.optimizer.iterations.numpy()) - 1,
    "before": before,
    "after": [w.numpy().ravel().tolist() for w in model.weights],
}
# Where the first kernel's values and shape lie in mlp.weights.h5, for the hostile-file tests.
with h5py.File(os.path.join(out, "mlp.weights.h5"), "r") as f:
    d = f["layers/dense/vars/0"]
    expected["mlp"]["kernel_offset"] = int(d.id.get_offset())
    expected["mlp"]["kernel_shape"] = list(d.shape)
    # h5py's view of every dataset, to judge `inspect`.
    listing = []
    f.visititems(lambda name, o: listing.append([name, str(o.dtype), list(o.shape)]) if isinstance(o, h5py.Dataset) else None)
    expected["mlp"]["datasets"] = listing
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
print(json.dumps({"ok": True, "models": sorted(expected)}))
