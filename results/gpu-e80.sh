#!/usr/bin/env bash
# One device call (stop 17): the 80-epoch default run alone on the GPU, so that its wall time is clean, then the
# CUDA benchmark of the same commit. Whatever still runs BUDGET seconds after the start is stopped with SIGTERM
# (a run keeps its last finished epoch in last.pt, to be resumed); everything comes back in $OUT/r.tgz.
# Needs .device/ from ../shared/tools/device-prepare, carried:
#   BUDGET=560 bash results/gpu-e80.sh   (carry [".device"], timeout_s 600)
set -u
t0=$(date +%s) budget=${BUDGET:-560} r=/tmp/r
py="python3 .device/cifar10_proxy.py run"
export PYTHONUNBUFFERED=1
left() { echo $((t0 + budget - $(date +%s))); }
mkdir -p $r
python3 -m pip install -q --no-index --no-deps --target /tmp/site .device/whl/*.whl && export PYTHONPATH=/tmp/site || exit 1
{ time python3 .device/cifar10_proxy.py unpack /tmp/d; } > $r/unpack.log 2>&1 || exit 1
{ nvidia-smi; nproc; git log -1 --format=%H; python3 -c "import sys, torch, torchvision, albumentations as A
print(sys.version, torch.__version__, torchvision.__version__, A.__version__, torch.cuda.get_device_name())"
} > $r/machine.txt 2>&1
echo "setup done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
( time timeout -s TERM $(left) $py cifar_c1c4.py --data-dir /tmp/d --out $r/e80 ) > $r/e80.console.log 2>&1
echo "e80 done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
timeout -s TERM $(left) $py cifar_c1c4.py --benchmark --data-dir /tmp/d --out $r/bench > $r/bench.log 2>&1
echo "benchmark done $(date +%T), $(left) s left" | tee -a $r/timeline.txt
tar czf ${OUT:-/tmp}/r.tgz --exclude=best.pt --exclude='*.png' -C /tmp r
