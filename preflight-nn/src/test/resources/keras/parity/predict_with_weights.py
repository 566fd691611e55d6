"""Rebuilds models with Keras, gives them weights Preflight wrote, and writes Keras' predictions on a fixed batch: the
weights round trip of KerasParityTest (CI only).

MODEL is a .keras archive (keras.saving.load_model; its weights are then replaced) or a definition in model.to_json()
form, as Preflight's export writes it (keras.models.model_from_json). WEIGHTS is a .weights.h5 file Preflight wrote
(Model.saveKerasWeights). BATCH is {"shape": [...], "input": [...]}. Several models in one call: one TensorFlow start.

Usage: python3 predict_with_weights.py MODEL WEIGHTS BATCH OUT [MODEL WEIGHTS BATCH OUT ...]
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

args = sys.argv[1:]
if not args or len(args) % 4:
    sys.exit(__doc__)
for i in range(0, len(args), 4):
    model_file, weights, batch_file, out = args[i:i + 4]
    if model_file.endswith(".keras"):
        model = keras.saving.load_model(model_file)
    else:
        with open(model_file) as f:
            model = keras.models.model_from_json(f.read())
    model.load_weights(weights)
    with open(batch_file) as f:
        batch = json.load(f)
    x = np.array(batch["input"], dtype="float32").reshape(batch["shape"])
    with open(out, "w") as f:
        json.dump({"output": model.predict(x, verbose=0).ravel().tolist()}, f)
