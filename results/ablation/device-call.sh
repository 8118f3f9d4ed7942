#!/usr/bin/env bash
# One device call: the CUDA benchmark alone, then the hold-out ablations of a jobs file (results/ablation/run-gpu.sh,
# PAR at a time, WORKERS DataLoader workers each). Whatever still runs BUDGET seconds after the start is stopped
# with SIGTERM (a run keeps its last finished epoch in last.pt); the logs come back in $OUT/r.tgz.
# Needs .device/ from ../shared/tools/device-prepare, carried:
#   BUDGET=540 results/ablation/device-call.sh JOBS_FILE EPOCHS PAR WORKERS   (carry [".device"], timeout_s 600)
# BENCH=0 skips the benchmark.
set -u
jobs_file=$1 epochs=$2 par=$3 workers=$4
t0=$(date +%s) budget=${BUDGET:-540} r=/tmp/r
export PYTHONUNBUFFERED=1
left() { echo $((t0 + budget - $(date +%s))); }
mkdir -p $r
python3 -m pip install -q --no-index --no-deps --target /tmp/site .device/whl/*.whl && export PYTHONPATH=/tmp/site || exit 1
{ time python3 .device/cifar10_proxy.py unpack /tmp/d; } > $r/unpack.log 2>&1 || exit 1
{ nvidia-smi; nproc; git log -1 --format=%H; python3 -c "import sys, torch, torchvision, albumentations as A
print(sys.version, torch.__version__, torchvision.__version__, A.__version__, torch.cuda.get_device_name())"
} > $r/machine.txt 2>&1
echo "setup done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
if [ "${BENCH:-1}" = 1 ]; then
  timeout -s TERM $(left) python3 .device/cifar10_proxy.py run cifar_c1c4.py --benchmark --data-dir /tmp/d \
    --out $r/bench > $r/bench.log 2>&1
  echo "benchmark done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
fi
timeout -s TERM $(left) results/ablation/run-gpu.sh "$jobs_file" /tmp/d $r/abl "$epochs" "$par" "$workers" > $r/abl.log 2>&1
echo "ablations done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
tar czf ${OUT:-/tmp}/r.tgz --exclude="*.pt" --exclude="*.png" -C /tmp r
