#!/usr/bin/env bash
# Trainer on an NVIDIA GPU vs the same build on the CPU: step time GPU / CPU for the zoo CNN and ResNet at batch 256,
# whether the two runs' loss curves agree within a tolerance, data-parallel training (preflight.trainer.devices) on
# every GPU against one (with a single GPU: on 2 virtual CPU devices, the GPU hidden), and the pipeline's data-wait
# share with the trainer at GPU speed (can Kafka feed it?). Run from anywhere on a machine with an NVIDIA GPU, CUDA 12
# and cuDNN 9:
#
#   deploy/gpu-check.sh [steps (default 60)] [tolerance, relative (default 1e-3)]
#
# One -Pgpu build serves both sides: TensorFlow's GPU natives run on the CPU when CUDA_VISIBLE_DEVICES hides the GPU.
# Exit codes: 0 checked (see MATCH / DIFFERS), 1 the curves differ beyond the tolerance, 2 no NVIDIA GPU here,
# 3 the build or a run failed. docs/performance.md records the figures and what they mean.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
steps="${1:-60}"
tolerance="${2:-1e-3}"
out="$home/preflight-out/gpu-check"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi missing or finds no device); nothing to compare" >&2
  exit 2
fi
nvidia-smi -L
mkdir -p "$out"

echo "» building with -Pgpu (TensorFlow linux-x86_64-gpu natives)" >&2
if ! "$home/mvnw" -B -q -f "$home/pom.xml" -Pgpu -DskipTests package >"$out/build.log" 2>&1; then
  echo "gpu-check: the -Pgpu build failed; see $out/build.log" >&2
  exit 3
fi
jar="$home/preflight-cli/target/preflight-cli.jar"
export TF_CPP_MIN_LOG_LEVEL=2

# run <label> <model> <batch> <devices> [env...]: DeviceCheck's lines into $out/<label>-<model>.txt
run() {
  local label="$1" model="$2" batch="$3" devices="$4"
  shift 4
  if ! env "$@" java -cp "$jar" dev.preflight.cli.bench.DeviceCheck "$model" "$batch" "$steps" "$devices" >"$out/$label-$model.txt" 2>"$out/$label-$model.err"; then
    echo "gpu-check: the $label run of $model failed; see $out/$label-$model.err" >&2
    exit 3
  fi
}
value() { sed -n "s/^$2=//p" "$out/$1.txt"; }
# compare <run a> <run b>: MATCH or DIFFERS and the largest relative difference of the two loss curves
compare() {
  paste -d' ' <(value "$1" losses | tr ',' '\n') <(value "$2" losses | tr ',' '\n') | awk -v tol="$tolerance" '
    { d = $1 - $2; if (d < 0) d = -d; s = ($1 < 0 ? -$1 : $1); if (s < 1e-12) s = 1e-12; r = d / s; if (r > max) max = r }
    END { printf "%s %.3g", (max <= tol ? "MATCH" : "DIFFERS"), max }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

status=0
printf '%-8s %14s %14s %10s  %s\n' MODEL "CPU s/step" "GPU s/step" "GPU/CPU" "LOSS CURVES (max relative difference)"
for model in cnn resnet; do
  run cpu "$model" 256 1 CUDA_VISIBLE_DEVICES=
  run gpu "$model" 256 1
  cpu="$(value "cpu-$model" median_step_seconds)"
  gpu="$(value "gpu-$model" median_step_seconds)"
  verdict="$(compare "cpu-$model" "gpu-$model")"
  case "$verdict" in DIFFERS*) status=1 ;; esac
  printf '%-8s %14s %14s %10s  %s (tolerance %s)\n' "$model" "$cpu" "$gpu" "$(ratio "$gpu" "$cpu")" "$verdict" "$tolerance"
done

# Data-parallel (preflight.trainer.devices): the zoo CNN (no batch norm, so the towers must follow one device's curve)
# on every GPU against one GPU at the same global batch. One GPU: the same graph on 2 virtual CPU devices, GPU hidden.
gpus="$(nvidia-smi -L | grep -c '^GPU ')"
if [ "$gpus" -ge 2 ]; then
  towers="$gpus"; hide=(); where="$gpus GPUs"
else
  towers=2; hide=(CUDA_VISIBLE_DEVICES=); where="2 virtual CPU devices (one GPU: a multi-GPU split needs two)"
fi
batch=$(( 256 / towers * towers ))
run one-device cnn "$batch" 1 "${hide[@]}"
run data-parallel cnn "$batch" "$towers" "${hide[@]}"
one="$(value one-device-cnn median_step_seconds)"
many="$(value data-parallel-cnn median_step_seconds)"
verdict="$(compare one-device-cnn data-parallel-cnn)"
case "$verdict" in DIFFERS*) status=1 ;; esac
printf '%-8s %14s %14s %10s  %s (tolerance %s)\n' MODEL "1 dev s/step" "N dev s/step" "N/1" "LOSS CURVES, DATA-PARALLEL ON $where"
printf '%-8s %14s %14s %10s  %s (%s, batch %s)\n' cnn "$one" "$many" "$(ratio "$many" "$one")" "$verdict" "$(value data-parallel-cnn devices)" "$batch"

# The pipeline at GPU speed: the bench's pipeline rows (data wait / step at batch 64 and 256) with the trainer on the GPU.
echo "» the pipeline with the trainer on the GPU (preflight bench --pipeline-only)" >&2
if ! (cd "$home" && java -jar "$jar" bench --pipeline-only --out "$out/bench") >"$out/bench.txt" 2>"$out/bench.err"; then
  echo "gpu-check: the pipeline bench failed; see $out/bench.err" >&2
  exit 3
fi
grep -E "^(BENCHMARK|data wait|pipeline)" "$out/bench.txt"
exit "$status"
