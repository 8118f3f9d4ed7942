"""Minor page faults and images/s of the default training step on this CPU (compute only, fixed batch).

    python results/speed/page_faults.py
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296 \
        python results/speed/page_faults.py

glibc serves allocations over its mmap threshold (128 KiB at first) with fresh pages, which fault on first touch;
the activations of a step are such allocations. The tunables keep freed memory in the heap instead.
"""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402

torch.manual_seed(0)
model = c.Net().to(memory_format=torch.channels_last)
ema, optimizer = c.make_ema(model, c.HYP), c.make_optimizer(model, c.HYP)
scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
x = torch.randn(c.HYP["batch_size"], 3, 32, 32).to(memory_format=torch.channels_last)
y = torch.randint(0, 10, (c.HYP["batch_size"],))


def step():
    c.train_step(model, ema, optimizer, scheduler, x, y, torch.device("cpu"), c.HYP)


for _ in range(3):
    step()
for r in range(4):
    faults, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    for _ in range(10):
        step()
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    print(f"round {r}: {10 * len(y) / seconds:.0f} img/s, {faults / 10:.0f} minor page faults a step", flush=True)
