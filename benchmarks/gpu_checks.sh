#!/usr/bin/env bash
# Everything that needs an NVIDIA GPU, in one run (a few minutes on one H200):
#   bash benchmarks/gpu_checks.sh [OUT_DIR]
# 1. the CUDA tests (rnncourse.nn on CUDA, autocast, the linear scan),
# 2. sequential loop vs parallel scan on the GPU, T = 2^8 ... 2^16 (benchmarks/scan.py),
# 3. rnncourse.nn / NumPy reference / torch.nn forward + backward on CUDA (benchmarks/run.py),
# 4. `rnncourse train` on CUDA with bf16 autocast vs a plain torch.nn script, under torchrun (nccl),
#    and on the CPU (benchmarks/cli_speed.py).
# Each step writes its output to OUT_DIR (default gpu-results/); a failing step does not stop the
# others, and the script exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-results}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
status=0
step() {  # step NAME TIMEOUT_S COMMAND...
  local name=$1 limit=$2
  shift 2
  echo "=== $name"
  timeout "$limit" "$@" 2>&1 | tee "$out/$name.txt"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "=== $name FAILED (rc=$rc)"; status=1; }
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name())"
step cuda_tests 240 python -m pytest -q tests/nn/test_nn_cuda.py tests/nn/test_nn_autocast.py \
  tests/nn/test_nn_lstm_paths.py tests/nn/test_linear_scan.py
step scan_gpu 150 python benchmarks/scan.py --device cuda --out "$out/scan_gpu.json"
step nn_bench_gpu 120 python benchmarks/run.py --device cuda --repeats 5
step cli_gpu 240 python benchmarks/cli_speed.py --device cuda --settings defaults-bf16 recipe \
  --rounds 2 --steps 150 --ddp --compare-cpu --json "$out/cli_gpu.json"
exit $status
