"""How the DataLoader's work should share this CPU's cores with training: `cifar_c1c4.py --benchmark` run under
several settings, in turn, ROUNDS times (the order rotated each round), each in its own process.

    python results/speed/worker_choice.py [--rounds N] > results/speed/worker-choice-<isa>.txt

It trains on ./data when an intact CIFAR-10 (or the proxy, through ../shared/tools/cifar10_proxy.py) is there,
else on random images, as --benchmark does. Each line: the setting's full-step rates (end to end), their median,
the median ratio to its own compute-only rate, the median implied epoch, and in how many rounds it beat the default.
For the niced setting the script runs itself as `worker_choice.py --as-benchmark ARGS`, which is
`cifar_c1c4.py ARGS` with `seed_worker` wrapped.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PROXY = os.path.join(ROOT, "..", "shared", "tools", "cifar10_proxy.py")

SETTINGS = {  # name: (extra arguments, extra environment); the first is the default
    "1 worker (the default)": ([], {}),
    "no workers (augmentation in the training process)": (["--workers", "0"], {}),
    "1 worker at nice 19": (["--nice-worker"], {}),
    "1 worker, OMP_WAIT_POLICY=PASSIVE": ([], {"OMP_WAIT_POLICY": "PASSIVE"}),
}


def benchmark(args, env, out):
    """benchmark.json of one `--benchmark` run in a fresh process."""
    script = [os.path.abspath(__file__), "--as-benchmark"] if "--nice-worker" in args else \
        [os.path.join(ROOT, "cifar_c1c4.py")]
    args = [a for a in args if a != "--nice-worker"]
    launcher = [PROXY, "run"] if os.path.exists(PROXY) else []
    subprocess.run([sys.executable, *launcher, *script, "--benchmark", "--data-dir", "data", "--out", out, *args],
                   cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "benchmark.json")) as f:
        return json.load(f)


def as_benchmark(argv):
    """cifar_c1c4.main(argv), its DataLoader workers at the lowest CPU priority (nice 19)."""
    sys.path.insert(0, ROOT)
    import cifar_c1c4 as c

    seed_worker = c.seed_worker

    def niced(worker_id):
        os.nice(19)
        seed_worker(worker_id)

    c.seed_worker = niced
    return c.main(argv)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=4)
    rounds = p.parse_args().rounds
    names, runs = list(SETTINGS), {name: [] for name in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for i, name in enumerate(names[r % len(names):] + names[:r % len(names)]):
                runs[name].append(benchmark(*SETTINGS[name], os.path.join(tmp, f"{r}-{i}")))
    print(f"--benchmark under each setting, {rounds} rounds, the order rotated each round; full steps in img/s")
    base = statistics.median(b["train_img_s"] for b in runs[names[0]])
    for name, bs in runs.items():
        full = [b["train_img_s"] for b in bs]
        print(f"{name:50s} median {statistics.median(full):5.0f} ({statistics.median(full) / base:4.2f}x), "
              f"ratio {statistics.median(b['ratio'] for b in bs):4.2f}, epoch "
              f"{statistics.median(b['epoch_seconds'] for b in bs):5.1f} s; all "
              f"{', '.join(f'{v:.0f}' for v in full)}; faster than the default's in the same round in "
              f"{sum(a > b for a, b in zip(full, (b['train_img_s'] for b in runs[names[0]])))} of {rounds}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--as-benchmark"]:
        sys.exit(as_benchmark(sys.argv[2:]))
    main()
