#!/usr/bin/env bash
# Runs each line of a jobs file, "NAME | ablate.py options | cifar_c1c4.py options", as one ablation,
# PAR at a time, each with WORKERS DataLoader workers, on the device machine's GPU. A line's own
# --epochs wins over EPOCHS (argparse keeps the last value). PY runs a script with the proxy's md5 check off.
# Usage: results/ablation/run-gpu.sh JOBS_FILE DATA_DIR OUT_DIR [EPOCHS=15] [PAR=5] [WORKERS=3]
set -u
jobs_file=$1 data=$2 out=$3 epochs=${4:-15} par=${5:-5} workers=${6:-3}
py=${PY:-python3 .device/cifar10_proxy.py run}
mkdir -p "$out"
while IFS='|' read -r name ours theirs; do
  name=$(echo $name)
  [ -z "$name" ] && continue
  echo "OMP_NUM_THREADS=1 $py results/ablate.py $ours -- --epochs $epochs --device ${DEVICE:-cuda} --workers $workers --data-dir $data --out $out/$name $theirs > $out/$name.log 2>&1; echo $name exit \$? \$(date +%T)"
done < "$jobs_file" | xargs -d '\n' -P "$par" -I{} bash -c {}
