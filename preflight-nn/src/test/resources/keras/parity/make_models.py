"""Builds the Keras models of the parity suite (KerasParityTest, CI only) and writes, per model, into OUT:

  <name>.keras   the model as Keras saves it (config.json + model.weights.h5)
  <name>.json    {"shape": [N, H, W, C], "input": [...], "labels": [...], "output": [...], "loss": L}: a fixed input batch,
                 the model's predictions on it (inference mode) and the loss at these weights, which Preflight must
                 reproduce from the .keras file alone (max abs difference <= 1e-4).

Weights are drawn so every part matters: random biases, batch-norm moving statistics and scales away from 0/1.
Usage: python3 make_models.py OUT
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

H = 16
C = 4
N = 8


def cnn():
    return keras.Sequential([
        keras.Input((H, H, 1)),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(8, 3, strides=2, padding="valid", activation="elu", dilation_rate=1),
        layers.AveragePooling2D(pool_size=2, padding="same"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(16, activation="tanh"),
        layers.Dense(C, activation="softmax"),
    ], name="cnn")


def resblock():
    x_in = keras.Input((H, H, 3))
    x = layers.Rescaling(2.0, offset=-1.0)(x_in)
    x = layers.ZeroPadding2D(((1, 0), (0, 1)))(x)
    x = layers.Conv2D(8, 3, strides=2, use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    y = layers.Conv2D(8, 3, padding="same", dilation_rate=2)(x)
    y = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(y)
    y = layers.LeakyReLU(negative_slope=0.1)(y)
    x = layers.Add()([x, y])
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(C)(x)
    out = layers.Softmax()(x)
    return keras.Model(x_in, out, name="resblock")


def separable():
    x_in = keras.Input((H, H, 3))
    x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu6")(x_in)
    x = layers.SeparableConv2D(12, 3, strides=2, padding="same", activation="swish")(x)
    x = layers.DepthwiseConv2D(3, dilation_rate=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization(center=False)(x)
    x = layers.Activation("gelu")(x)
    x = layers.GlobalMaxPooling2D()(x)
    x = layers.Reshape((3, 4))(x)
    x = layers.Flatten()(x)
    out = layers.Dense(C, activation="softmax")(x)
    return keras.Model(x_in, out, name="separable")


def unet():
    x_in = keras.Input((H, H, 1))
    e1 = layers.Conv2D(8, 3, padding="same", activation="relu")(x_in)
    d = layers.MaxPooling2D()(e1)
    e2 = layers.Conv2D(16, 3, padding="same", activation="relu")(d)
    u = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(e2)
    u2 = layers.UpSampling2D(interpolation="bilinear")(e2)
    u3 = layers.UpSampling2D()(d)
    x = layers.Concatenate()([e1, u, u2, u3])
    x = layers.Conv2DTranspose(8, 2, strides=1, padding="valid")(x)
    x = layers.Conv2D(8, 2, padding="valid", activation="sigmoid")(x)
    out = layers.Conv2D(C, 1, activation="softmax")(x)
    return keras.Model(x_in, out, name="unet")


def applications_blocks():
    """The layer configurations ResNet50 and MobileNet use that the models above do not, one block each, small enough to
    build and train in a second: ResNet50's stem (ZeroPadding2D(3), 7x7/2 valid conv, BatchNormalization with
    epsilon 1.001e-5, Activation("relu"), ZeroPadding2D(1), MaxPooling2D(3, strides=2)) and a bottleneck with a conv
    shortcut (1x1/2 convs, 1x1/1 valid, 3x3 same, Add); MobileNet's ZeroPadding2D(((0, 1), (0, 1))), bias-free 3x3/2
    depthwise (valid) and 3x3/1 depthwise (same), bias-free 1x1 and 3x3/2 convs, ReLU(6.0), and its head
    (GlobalAveragePooling2D(keepdims=True), Dropout, 1x1 conv with bias, Reshape, Activation("softmax")).
    The full ResNet50, Xception and MobileNet definitions are parsed and counted in applications(): what ran here
    per Keras Applications variant (ResNet50 at 32x32, MobileNet at 64x64) cost minutes of graph building for no layer
    configuration these blocks lack."""
    x_in = keras.Input((48, 48, 3))
    # ResNet50's stem.
    x = layers.ZeroPadding2D(3)(x_in)
    x = layers.Conv2D(8, 7, strides=2)(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    # ResNet50's conv_block: 1x1/2, 3x3 same, 1x1 valid, plus a 1x1/2 projection shortcut.
    shortcut = layers.Conv2D(16, 1, strides=2)(x)
    shortcut = layers.BatchNormalization(axis=3, epsilon=1.001e-5)(shortcut)
    y = layers.Conv2D(8, 1, strides=2)(x)
    y = layers.BatchNormalization(axis=3, epsilon=1.001e-5)(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(8, 3, padding="same")(y)
    y = layers.BatchNormalization(axis=3, epsilon=1.001e-5)(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(16, 1)(y)
    y = layers.BatchNormalization(axis=3, epsilon=1.001e-5)(y)
    x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    # MobileNet's strided depthwise block, its pointwise conv, its stride-2 bias-free conv and same-padded depthwise.
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = layers.DepthwiseConv2D(3, strides=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    # Scaled so that ReLU's max_value caps some activations here (they stay within about +-1.5 otherwise).
    x = layers.Rescaling(8.0)(x)
    x = layers.ReLU(6.0)(x)
    x = layers.Conv2D(16, 1, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(x)
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    # MobileNet's head.
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Dropout(1e-3)(x)
    x = layers.Conv2D(C, 1, padding="same")(x)
    x = layers.Reshape((C,))(x)
    out = layers.Activation("softmax")(x)
    return keras.Model(x_in, out, name="applications_blocks")


def randomise(model, rng):
    """Biases, batch-norm scales and statistics away from 0/1, kernels perturbed."""
    for layer in model.layers:
        new = []
        for w in layer.weights:
            v = w.numpy()
            if "moving_variance" in w.path or "gamma" in w.path:
                v = rng.uniform(0.5, 1.5, v.shape)
            elif "moving_mean" in w.path or "beta" in w.path or "bias" in w.path:
                v = rng.normal(0, 0.3, v.shape)
            else:
                v = v + rng.normal(0, 0.05, v.shape)
            new.append(v.astype("float32"))
        if new:
            layer.set_weights(new)


def applications(out):
    """The Keras Applications the import is meant to cover: definition (to_json) and Keras' parameter count."""
    for name, build in (("resnet50", keras.applications.ResNet50), ("xception", keras.applications.Xception),
                        ("mobilenet", keras.applications.MobileNet)):
        model = build(weights=None)
        with open(os.path.join(out, name + ".app.json"), "w") as f:
            json.dump({"definition": json.loads(model.to_json()), "params": model.count_params(),
                       "output": list(model.output_shape[1:])}, f)
        print(name, "params", model.count_params())


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(42)
    keras.utils.set_random_seed(42)
    for build in (cnn, resblock, separable, unet, applications_blocks):
        model = build()
        randomise(model, rng)
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
        shape = (N,) + tuple(model.input_shape[1:])
        x = rng.uniform(0, 1, shape).astype("float32")
        y_out = model.predict(x, verbose=0)
        labels = rng.integers(0, C, y_out.shape[:-1]).astype("int32")
        # The compiled loss as Keras trains with it: on the TensorFlow backend it reads a softmax output's logits
        # (no 1e-7 clipping of probabilities), which is what Preflight does.
        loss = float(model.evaluate(x, labels, verbose=0))
        model.save(os.path.join(out, model.name + ".keras"))
        with open(os.path.join(out, model.name + ".json"), "w") as f:
            json.dump({"shape": list(shape), "input": x.ravel().tolist(), "labels": labels.ravel().tolist(),
                       "output": y_out.ravel().tolist(), "loss": loss, "keras": keras.__version__}, f)
        print(model.name, "params", model.count_params(), "loss", loss)
    applications(out)


if __name__ == "__main__":
    main(sys.argv[1])
