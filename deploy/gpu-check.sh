#!/usr/bin/env bash
# Trainer on an NVIDIA GPU vs the same build on the CPU: step time GPU / CPU for the zoo CNN and ResNet at batch 256,
# whether the two runs' loss curves agree within a tolerance, and the pipeline's data-wait share with the trainer at
# GPU speed (can Kafka feed it?). Run from anywhere on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9:
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

# run <label> <model> [env...]: DeviceCheck's two lines into $out/<label>-<model>.txt
run() {
  local label="$1" model="$2"
  shift 2
  if ! env "$@" java -cp "$jar" dev.preflight.cli.bench.DeviceCheck "$model" 256 "$steps" >"$out/$label-$model.txt" 2>"$out/$label-$model.err"; then
    echo "gpu-check: the $label run of $model failed; see $out/$label-$model.err" >&2
    exit 3
  fi
}
value() { sed -n "s/^$2=//p" "$out/$1.txt"; }

status=0
printf '%-8s %14s %14s %10s  %s\n' MODEL "CPU s/step" "GPU s/step" "GPU/CPU" "LOSS CURVES (max relative difference)"
for model in cnn resnet; do
  run cpu "$model" CUDA_VISIBLE_DEVICES=
  run gpu "$model"
  cpu="$(value "cpu-$model" median_step_seconds)"
  gpu="$(value "gpu-$model" median_step_seconds)"
  verdict="$(paste -d' ' <(value "cpu-$model" losses | tr ',' '\n') <(value "gpu-$model" losses | tr ',' '\n') | awk -v tol="$tolerance" '
    { d = $1 - $2; if (d < 0) d = -d; s = ($1 < 0 ? -$1 : $1); if (s < 1e-12) s = 1e-12; r = d / s; if (r > max) max = r }
    END { printf "%s %.3g", (max <= tol ? "MATCH" : "DIFFERS"), max }')"
  case "$verdict" in DIFFERS*) status=1 ;; esac
  printf '%-8s %14s %14s %10s  %s (tolerance %s)\n' "$model" "$cpu" "$gpu" "$(awk -v g="$gpu" -v c="$cpu" 'BEGIN { printf "%.3f", g / c }')" "$verdict" "$tolerance"
done

# The pipeline at GPU speed: the bench's pipeline rows (data wait / step at batch 64 and 256) with the trainer on the GPU.
echo "» the pipeline with the trainer on the GPU (preflight bench --pipeline-only)" >&2
if ! (cd "$home" && java -jar "$jar" bench --pipeline-only --out "$out/bench") >"$out/bench.txt" 2>"$out/bench.err"; then
  echo "gpu-check: the pipeline bench failed; see $out/bench.err" >&2
  exit 3
fi
grep -E "^(BENCHMARK|data wait|pipeline)" "$out/bench.txt"
exit "$status"
