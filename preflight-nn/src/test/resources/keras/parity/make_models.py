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


def mobilenet():
    return keras.applications.MobileNet(input_shape=(64, 64, 3), alpha=0.5, weights=None, classes=C, name="mobilenet_small")


def resnet50():
    return keras.applications.ResNet50(input_shape=(32, 32, 3), weights=None, classes=C, name="resnet50_small")


def randomise(model, rng, kernels=True):
    """Biases, batch-norm scales and statistics away from 0/1; kernels perturbed too unless the net is deep (ResNet50:
    noise on every kernel compounds over 50 layers into a saturated softmax, which would test nothing)."""
    for layer in model.layers:
        new = []
        for w in layer.weights:
            v = w.numpy()
            if "moving_variance" in w.path or "gamma" in w.path:
                v = rng.uniform(0.5, 1.5, v.shape)
            elif "moving_mean" in w.path or "beta" in w.path or "bias" in w.path:
                v = rng.normal(0, 0.3, v.shape)
            elif kernels:
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
    for build in (cnn, resblock, separable, unet, mobilenet, resnet50):
        model = build()
        randomise(model, rng, kernels=build is not resnet50)
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
