"""The Keras 3 model zoo that judges tfjs-checkpoint's Keras → tfjs path (test/keras_zoo.test.ts).

For each model: seeded random weights, perturbed BatchNormalization statistics (so that an identity-like layer
cannot pass), then
  model.json     model.to_json()
  model.keras    the .keras archive (small models only; its config.json is what loadKerasModel reads)
  ckpt*          tf.train.Checkpoint(model=m), tf.train.Checkpoint(m) or with an optimizer (see SAVE_AS)
  expected.json  {input, output(s), params, save_as}: Keras's predictions on a fixed seeded input.

usage: generate.py OUT_DIR [NAME ...]   (no names: every model)
Set TF_ENABLE_ONEDNN_OPTS=0 (oneDNN crashes on this VM for some pooling shapes).
"""
import json
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

A = keras.applications


def app(fn, size, pixels="float", **kw):
    def build():
        args = dict(weights=None, input_shape=(size, size, 3))
        args.update(kw)
        if args.get("include_top", True):
            args.setdefault("classes", 10)
            args.setdefault("classifier_activation", None)
        return fn(**args)

    return build, (size, size, 3), pixels


def text_bilstm():
    inp = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 16, mask_zero=True)(inp)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(6))(x)
    return keras.Model(inp, layers.Dense(3)(x))


def grus():
    return keras.Sequential([keras.Input((7, 5)), layers.GRU(8, return_sequences=True), layers.GRU(6), layers.Dense(2)])


def conv1d_text():
    return keras.Sequential(
        [keras.Input((20,), dtype="int32"), layers.Embedding(40, 8), layers.Conv1D(12, 3, activation="relu"), layers.GlobalMaxPooling1D(), layers.Dense(4, activation="sigmoid")]
    )


def transformer():
    inp = keras.Input((6, 16))
    att = layers.MultiHeadAttention(num_heads=2, key_dim=8)(inp, inp)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([inp, att]))
    ff = layers.Dense(32, activation="gelu")(x)
    ff = layers.Dense(16)(ff)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, ff]))
    return keras.Model(inp, layers.Dense(3)(layers.GlobalAveragePooling1D()(x)))


def mlp():
    return keras.Sequential(
        [
            keras.Input((12,)),
            layers.Dense(32, kernel_regularizer="l2"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Dropout(0.3),
            layers.Dense(16, activation="silu"),
            layers.BatchNormalization(),
            layers.Dense(5, activation="hard_sigmoid"),
        ]
    )


def multi_io():
    a = keras.Input((8,), name="a")
    b = keras.Input((4,), name="b")
    shared = layers.Dense(8, activation="tanh", name="shared")
    x = shared(a)
    y = shared(layers.Dense(8, name="b_proj")(b))
    z = layers.Concatenate()([x, y])
    diff = layers.Subtract()([x, y])
    inner = keras.Sequential([keras.Input((8,)), layers.Dense(6, activation="hard_silu"), layers.Dense(3)], name="inner")
    return keras.Model([a, b], [layers.Dense(2, name="out1")(z), inner(diff)])


def time_distributed():
    return keras.Sequential([keras.Input((5, 6)), layers.TimeDistributed(layers.Dense(4, activation="relu")), layers.SimpleRNN(7), layers.Dense(3)])


def lambda_model():
    inp = keras.Input((4,))
    x = layers.Lambda(lambda t: t * 2.0, name="double")(inp)
    return keras.Model(inp, layers.Dense(2)(x))


def sequential_input_layer():
    # The repro: a Sequential whose first entry is an explicit Input.
    return keras.Sequential([keras.Input((12,)), layers.Dense(32), layers.ReLU(), layers.Dense(16), layers.Dense(5)])


def grouped_conv():
    # Conv2D with groups: one channel per group (ConvNeXt's depthwise form, multiplier 2) and 2 channels per group.
    inp = keras.Input((9, 9, 4))
    x = layers.Conv2D(8, 3, padding="same", groups=4, activation="relu")(inp)
    x = layers.Conv2D(6, 3, strides=2, groups=2, use_bias=False)(x)
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    return keras.Model(inp, layers.Flatten()(x))


ACTIVATIONS = ["silu", "swish", "gelu", "hard_silu", "hard_swish", "hard_sigmoid", "relu6", "elu", "selu", "softplus", "softsign",
               "exponential", "leaky_relu", "mish", "log_softmax", "softmax", "tanh", "sigmoid", "relu", "linear"]


def activations():
    # Every activation by its Keras 3 name, on inputs spanning the kinks (±3, ±6).
    inp = keras.Input((16,))
    return keras.Model(inp, [layers.Activation(a, name=f"act_{a}")(inp) for a in ACTIVATIONS])


@keras.saving.register_keras_serializable(package="zoo")
class Custom(layers.Layer):
    def call(self, x):
        return x


def unsupported_mix():
    # Several layers tfjs cannot represent: all must be named in one error.
    inp = keras.Input((4,))
    x = layers.Lambda(lambda t: t * 2.0, name="double")(inp)
    x = layers.ReLU(negative_slope=0.1, name="leaky")(x)
    x = Custom(name="custom")(x)
    return keras.Model(inp, layers.Dense(2, name="head")(x))


def hand(fn, shape, kind="float"):
    return fn, shape, kind


MODELS = {
    "sequential_input_layer": hand(sequential_input_layer, (12,)),
    "mlp_bn_dropout": hand(mlp, (12,)),
    "multi_io": hand(multi_io, None),
    "text_bilstm": hand(text_bilstm, (12,), "tokens50"),
    "conv1d_text": hand(conv1d_text, (20,), "tokens40"),
    "gru_default": hand(grus, (7, 5)),
    "transformer_block": hand(transformer, (6, 16)),
    "time_distributed_rnn": hand(time_distributed, (5, 6)),
    "lambda": hand(lambda_model, (4,)),
    "unsupported_mix": hand(unsupported_mix, (4,)),
    "grouped_conv": hand(grouped_conv, (9, 9, 4)),
    "activations": hand(activations, (16,), "wide"),
    "MobileNetV2": app(A.MobileNetV2, 64),
    "MobileNetV3Small": app(A.MobileNetV3Small, 64, "image255"),
    "EfficientNetB0": app(A.EfficientNetB0, 64, "image255"),
    "EfficientNetV2B0": app(A.EfficientNetV2B0, 64, "image255"),
    "DenseNet121": app(A.DenseNet121, 64),
    "ResNet50": app(A.ResNet50, 64),
    "ResNet50V2": app(A.ResNet50V2, 64),
    "NASNetMobile": app(A.NASNetMobile, 64),
    "InceptionV3": app(A.InceptionV3, 75),
    "Xception": app(A.Xception, 71),
    "VGG16": app(A.VGG16, 32, include_top=False),
    "ConvNeXtTiny": app(A.ConvNeXtTiny, 32, "image255"),
}

# How each model is saved: under `model`, as the root, or with a (built) optimizer next to it.
SAVE_AS = {"mlp_bn_dropout": "root", "multi_io": "with_optimizer", "ResNet50": "root", "gru_default": "with_optimizer"}


def perturb(model, rng):
    """Seeded random values everywhere, with BatchNormalization statistics far from identity."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, layers.BatchNormalization):
            n = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(0, 0.3, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, n).astype("float32"))
            if layer.gamma is not None:
                layer.gamma.assign(rng.uniform(0.7, 1.3, n).astype("float32"))
            if layer.beta is not None:
                layer.beta.assign(rng.normal(0, 0.2, n).astype("float32"))
        elif isinstance(layer, layers.Normalization) and getattr(layer, "adapt_mean", None) is not None:
            # Statistics held as weights (mean/variance not given in the config): far from (0, 1).
            n = layer.adapt_mean.shape
            layer.adapt_mean.assign(rng.normal(0, 2.0, n).astype("float32"))
            layer.adapt_variance.assign(rng.uniform(0.5, 3.0, n).astype("float32"))
            layer.finalize_state()
    for w in model.weights:
        if "bias" in w.path and not isinstance(w, type(None)):
            w.assign(rng.normal(0, 0.05, w.shape).astype("float32"))


def model_input(shape, kind, rng, model):
    if shape is None:  # multi_io
        return [rng.normal(0, 1, (2,) + tuple(i.shape[1:])).astype("float32") for i in model.inputs]
    if kind.startswith("tokens"):
        vocab = int(kind[len("tokens"):])
        x = rng.integers(1, vocab, (2,) + shape).astype("int32")
        x[0, -3:] = 0  # padding: the mask matters
        return x
    if kind == "wide":
        return np.linspace(-7, 7, 2 * shape[0]).reshape((2,) + shape).astype("float32")
    if kind == "image255":  # models that rescale pixels themselves
        return rng.uniform(0, 255, (2,) + shape).astype("float32")
    return rng.normal(0, 1, (2,) + shape).astype("float32")


def generate(name, out_dir):
    build, shape, kind = MODELS[name]
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(1234)
    model = build()
    perturb(model, rng)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write(model.to_json())
    save_as = SAVE_AS.get(name, "model")
    if name in ("lambda", "unsupported_mix"):
        save_as = "none"
    elif save_as == "root":
        tf.train.Checkpoint(model).write(os.path.join(d, "ckpt"))
    elif save_as == "with_optimizer":
        opt = keras.optimizers.Adam(1e-3)
        opt.build(model.trainable_variables)
        tf.train.Checkpoint(model=model, optimizer=opt).write(os.path.join(d, "ckpt"))
    else:
        tf.train.Checkpoint(model=model).write(os.path.join(d, "ckpt"))
    if model.count_params() < 200_000 and save_as != "none":
        model.save(os.path.join(d, "model.keras"))
    x = model_input(shape, kind, rng, model)
    y = model.predict(x, verbose=0)
    ys = y if isinstance(y, list) else [y]
    xs = x if isinstance(x, list) else [x]
    expected = {
        "name": name,
        "params": int(model.count_params()),
        "save_as": save_as,
        "inputs": [{"dtype": str(v.dtype), "shape": list(v.shape), "values": v.ravel().tolist()} for v in xs],
        "outputs": [{"shape": list(np.shape(v)), "values": np.asarray(v, dtype="float64").ravel().tolist()} for v in ys],
    }
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(f"{name}: {expected['params']} params, saved as {save_as}", flush=True)


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    for name in names:
        if os.path.exists(os.path.join(out_dir, name, "expected.json")):
            continue
        generate(name, out_dir)


if __name__ == "__main__":
    main()
