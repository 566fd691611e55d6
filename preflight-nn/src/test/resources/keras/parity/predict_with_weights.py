"""Loads a .keras model, replaces its weights with a .weights.h5 file Preflight wrote (Model.saveKerasWeights), and
writes Keras' predictions on the parity input batch: the weights round trip of KerasParityTest (CI only).

Usage: python3 predict_with_weights.py MODEL.keras WEIGHTS.weights.h5 BATCH.json OUT.json
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

model = keras.saving.load_model(sys.argv[1])
model.load_weights(sys.argv[2])
batch = json.load(open(sys.argv[3]))
x = np.array(batch["input"], dtype="float32").reshape(batch["shape"])
with open(sys.argv[4], "w") as f:
    json.dump({"output": model.predict(x, verbose=0).ravel().tolist()}, f)
