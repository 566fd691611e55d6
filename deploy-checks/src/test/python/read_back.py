"""Reads Preflight's outputs back with the tools the docs name, and prints what they see as JSON on stdout.

    python3 read_back.py tensorboard RUN_DIR
        TensorBoard's own reader (EventAccumulator, every event kept) on RUN_DIR/train and RUN_DIR/val:
        {"train": {"files": [...], "scalars": {tag: [[step, value], ...]}, "images": {tag: [step, ...]}}, "val": ...}
    python3 read_back.py savedmodel EXPORT_DIR FEATURES_FILE N WIDTH
        TensorFlow's SavedModel loader; FEATURES_FILE holds N x WIDTH little-endian float32, fed to the
        "serving_default" signature: {"tensorflow": version, "inputs": [...], "outputs": [...], "probabilities": [[...], ...]}

Used by deploy-checks' ToolsReadBackE2ETest (CI, which installs the pinned packages in .ci/run). A missing package
exits 3 with the pip command that installs it.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PINNED = "pip install tensorboard==2.21.0 tensorflow-cpu==2.21.0"


def need(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        print(f"python3 cannot import {module} ({e}): {PINNED}", file=sys.stderr)
        sys.exit(3)


def tensorboard(run_dir):
    ea = need("tensorboard.backend.event_processing.event_accumulator")
    out = {}
    for split in ("train", "val"):
        path = os.path.join(run_dir, split)
        acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.IMAGES: 0})
        acc.Reload()
        tags = acc.Tags()
        out[split] = {
            "files": sorted(os.listdir(path)),
            "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags[ea.SCALARS]},
            "images": {t: [e.step for e in acc.Images(t)] for t in tags[ea.IMAGES]},
        }
    return out


def savedmodel(export_dir, features_file, n, width):
    np = need("numpy")
    tf = need("tensorflow")
    x = np.fromfile(features_file, dtype="<f4").reshape(int(n), int(width))
    fn = tf.saved_model.load(export_dir).signatures["serving_default"]
    _, kwargs = fn.structured_input_signature
    result = fn(features=tf.constant(x))
    return {
        "tensorflow": tf.__version__,
        "inputs": sorted(kwargs),
        "outputs": sorted(result),
        "probabilities": result["probabilities"].numpy().astype(float).tolist(),
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "tensorboard":
        print(json.dumps(tensorboard(argv[1])))
    elif len(argv) == 5 and argv[0] == "savedmodel":
        print(json.dumps(savedmodel(*argv[1:])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
