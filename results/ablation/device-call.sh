#!/usr/bin/env bash
# One device call: the CUDA benchmark alone, then the hold-out ablations of a jobs file (results/ablation/run-gpu.sh,
# PAR at a time, WORKERS DataLoader workers each). Whatever still runs BUDGET seconds after the start is stopped
# with SIGTERM (a run keeps its last finished epoch in last.pt); the logs come back in $OUT/r.tgz.
# Needs .device/ from ../shared/tools/device-prepare, carried:
#   BUDGET=540 results/ablation/device-call.sh JOBS_FILE EPOCHS PAR WORKERS   (carry [".device"], timeout_s 600)
# BENCH=0 skips the benchmark.
set -u
jobs_file=$1 epochs=$2 par=$3 workers=$4
source results/ablation/device-setup.sh
if [ "${BENCH:-1}" = 1 ]; then
  timeout -s TERM $(left) python3 .device/cifar10_proxy.py run cifar_c1c4.py --benchmark --data-dir /tmp/d \
    --out $r/bench > $r/bench.log 2>&1
  echo "benchmark done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
fi
timeout -s TERM $(left) results/ablation/run-gpu.sh "$jobs_file" /tmp/d $r/abl "$epochs" "$par" "$workers" > $r/abl.log 2>&1
echo "ablations done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
tar czf ${OUT:-/tmp}/r.tgz --exclude="*.pt" --exclude="*.png" -C /tmp r
