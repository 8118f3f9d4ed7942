#!/usr/bin/env bash
# One device call (stop 17): the 80-epoch default run alone on the GPU, so that its wall time is clean, then the
# CUDA benchmark of the same commit. Whatever still runs BUDGET seconds after the start is stopped with SIGTERM
# (a run keeps its last finished epoch in last.pt, to be resumed); everything comes back in $OUT/r.tgz.
# Needs .device/ from ../shared/tools/device-prepare, carried:
#   BUDGET=560 bash results/gpu-e80.sh   (carry [".device"], timeout_s 600)
set -u
py="python3 .device/cifar10_proxy.py run"
source results/ablation/device-setup.sh
( time timeout -s TERM $(left) $py cifar_c1c4.py --data-dir /tmp/d --out $r/e80 ) > $r/e80.console.log 2>&1
echo "e80 done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
timeout -s TERM $(left) $py cifar_c1c4.py --benchmark --data-dir /tmp/d --out $r/bench > $r/bench.log 2>&1
echo "benchmark done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
tar czf ${OUT:-/tmp}/r.tgz --exclude=best.pt --exclude='*.png' -C /tmp r
