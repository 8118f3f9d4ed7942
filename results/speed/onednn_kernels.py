"""Which oneDNN kernel runs each convolution of cifar_c1c4's training step on this CPU, and how long each takes.

    python results/speed/onednn_kernels.py [--native] > results/speed/onednn-kernels-<isa>[-native].txt

It runs the default Net's training step (batch 128, channels_last, 2 threads, float32) in a child process with
ONEDNN_VERBOSE=1, keeps the timed steps after the warm-up ones, and sums oneDNN's own per-call times by kernel,
pass and layer. oneDNN picks a kernel by instruction set, so hosts with and without AVX-512 can run the same layer
through different code; this shows which layers fall back to its generic im2col + GEMM path ("gemm").
--native computes the dilated convolutions with nn.Conv2d itself, without Conv3x3's space-to-batch for the depthwise
ones.
"""
import collections
import os
import re
import subprocess
import sys

WARMUP, STEPS = 2, 3


def run_steps(native):
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    import cifar_c1c4 as c
    from measure import natively_dilated

    torch.set_num_threads(2)
    model = c.Net().to(memory_format=torch.channels_last)
    model = natively_dilated(model) if native else model
    ema, optimizer = c.make_ema(model, c.HYP), c.make_optimizer(model, c.HYP)
    scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    x = torch.randn(c.HYP["batch_size"], 3, 32, 32).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (c.HYP["batch_size"],))
    for i in range(WARMUP + STEPS):
        print(f"STEP {i}", flush=True)
        c.train_step(model, ema, optimizer, scheduler, x, y, torch.device("cpu"), c.HYP)


def layer(shape):
    """'g80mb128_ic80oc80_ih16oh16kh3sh1dh1ph2_...' -> 'depthwise 80ch 16->16 3x3 d2' (oneDNN's dh is d - 1)."""
    f = dict(re.findall(r"([a-z]+)(\d+)", shape))
    kind = "depthwise" if "g" in f else "dense"
    return f"{kind} {f['ic']}->{f['oc']}ch {f['ih']}->{f['oh']}px {f['kh']}x{f['kw']} d{int(f['dh']) + 1}"


def summarise(log, native):
    step, by_kernel, by_layer = -1, collections.Counter(), collections.Counter()
    for line in log.splitlines():
        if line.startswith("STEP "):
            step = int(line.split()[1])
        fields = line.split(",")
        if step < WARMUP or len(fields) < 8 or fields[3] != "exec" or fields[5] != "convolution":
            continue
        impl, kind, ms = fields[6], fields[7], float(fields[-1]) / STEPS
        generic = "gemm" if "gemm" in impl else impl
        by_kernel[(generic, kind)] += ms
        by_layer[(layer(fields[-2]), kind, generic)] += ms
    total = sum(by_kernel.values())
    isa = next((line.split("isa:")[1] for line in log.splitlines() if "isa:" in line), "unknown")
    how = "natively (nn.Conv2d)" if native else "as Conv3x3 trains them"
    print(f"oneDNN convolution time per training step (batch 128, 2 threads), mean of {STEPS} steps; ISA: {isa}; "
          f"dilated convolutions computed {how}")
    print(f"all convolutions: {total:.1f} ms")
    print("\nby kernel and pass:")
    for (impl, kind), ms in by_kernel.most_common():
        print(f"  {ms:7.1f} ms  {100 * ms / total:5.1f} %  {impl:40s} {kind}")
    print("\nby layer (the generic GEMM path marked):")
    for (name, kind, impl), ms in by_layer.most_common():
        print(f"  {ms:7.1f} ms  {100 * ms / total:5.1f} %  {name:38s} {kind:17s} {'GEMM' if impl == 'gemm' else ''}")


if __name__ == "__main__":
    native = "--native" in sys.argv
    if "--steps" in sys.argv:
        run_steps(native)
    else:
        child = subprocess.run([sys.executable, os.path.abspath(__file__), "--steps", *sys.argv[1:]],
                               capture_output=True, text=True, env=dict(os.environ, ONEDNN_VERBOSE="1"), check=True)
        summarise(child.stdout, native)
