# Sourced by the device-call scripts (ablation/device-call.sh, gpu-e80.sh) on the device machine: sets t0, r and
# left() (seconds until BUDGET runs out), installs the carried wheels, unpacks the proxy data into /tmp/d and
# records the machine in $r/machine.txt. Needs .device/ from ../shared/tools/device-prepare.
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
