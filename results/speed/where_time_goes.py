"""Where a training step of cifar_c1c4.py's default model spends its time on this CPU (torch.profiler).

    python results/speed/where_time_goes.py > results/speed/profile-cpu.txt

It also prints the minor page faults of a step: glibc serves allocations over its mmap threshold (128 KiB at first)
with fresh pages, which fault on first touch, and a step's activations are such allocations. To keep freed memory
in the heap instead, run it with
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296.
"""
import os
import resource
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cifar_c1c4 as c  # noqa: E402

model = c.Net().to(memory_format=torch.channels_last)
ema, optimizer = c.make_ema(model, c.HYP), c.make_optimizer(model, c.HYP)
scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
x = torch.randn(c.HYP["batch_size"], 3, 32, 32).to(memory_format=torch.channels_last)
y = torch.randint(0, 10, (c.HYP["batch_size"],))


def three_steps():
    """Seconds and minor page faults of three training steps."""
    faults, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    for _ in range(3):
        c.train_step(model, ema, optimizer, scheduler, x, y, torch.device("cpu"), c.HYP)
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults


three_steps()
plain = [three_steps() for _ in range(3)]
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    profiled, _ = three_steps()
# the profiler's own cost inflates ops called often; how much it slows the whole step says how far to trust shares
print(f"3 steps: {', '.join(f'{t:.3f}' for t, _ in plain)} s without the profiler, {profiled:.3f} s with it; "
      f"{', '.join(str(f // 3) for _, f in plain)} minor page faults a step")
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15, max_name_column_width=36))
print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=12,
                                                         max_name_column_width=32, max_shapes_column_width=70))
