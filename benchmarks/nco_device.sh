#!/usr/bin/env bash
# One call on the GPU machine (see ../shared/DEVICE.md): fine-tune the shipped CVRP policy there, then
# time the policy's inference on the GPU and on one CPU thread of that machine. Everything lands in $OUT.
#
#   run(command="bash benchmarks/nco_device.sh 5", timeout_s=560)     # 5 minutes of training
#
# Needs only torch + numba + numpy (the device image has them); the project travels as the working tree.
# Afterwards, here: compare $OUT/cvrp.json's best_val_length with checkpoints/cvrp.metrics.json (same
# seeded validation set for the same --seed and --size), copy a better cvrp.pt over the shipped one, run
# the CPU benchmark with it (benchmarks/bench_nco.py) and record the figures in RESULTS.md section 7.
set -euo pipefail
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,10p' "$0"; echo "# usage: bash benchmarks/nco_device.sh [MINUTES of training, default 5]"; exit 0; fi
MINUTES=${1:-5}
OUT=${OUT:-nco-device-out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
CK=netopt/solvers/nco/checkpoints/cvrp.pt
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true; python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"; } | tee "$OUT/machine.txt"
# a few seconds' smoke test of the CUDA + bf16 training path before the long run
python3 -m netopt nco train --problem cvrp --size 10 --epochs 1 --steps-per-epoch 3 --batch 8 --val-instances 4 \
    --dim 16 --heads 2 --layers 1 --device "$DEVICE" --out "$OUT/smoke.pt"
# the run: n = 100 (the shipped weights already went through the 20 -> 50 -> 100 curriculum), stopped by --max-minutes
python3 -m netopt nco train --problem cvrp --size 100 --epochs 500 --steps-per-epoch 50 --batch 128 --pomo 100 \
    --seed 0 --device "$DEVICE" --max-minutes "$MINUTES" --init-from "$CK" --out "$OUT/cvrp.pt"
# inference time (the weights do not change it): GPU, then one CPU thread of the same machine
python3 benchmarks/bench_nco.py --policy-only --device "$DEVICE" --model "$OUT/cvrp.pt" --sizes $SIZES --instances 4 \
    --json-out "$OUT/infer-$DEVICE.jsonl" | tail -8
python3 benchmarks/bench_nco.py --policy-only --device cpu --model "$OUT/cvrp.pt" --sizes $SIZES --instances 2 \
    --json-out "$OUT/infer-cpu.jsonl" | tail -8
