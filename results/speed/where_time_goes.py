"""Where a training step of cifar_c1c4.py's default model spends its time on this CPU (torch.profiler).

    python results/speed/where_time_goes.py > results/speed/profile-cpu.txt
"""
import os
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
    start = time.perf_counter()
    for _ in range(3):
        c.train_step(model, ema, optimizer, scheduler, x, y, torch.device("cpu"), c.HYP)
    return time.perf_counter() - start


three_steps()
plain = [three_steps() for _ in range(3)]
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    profiled = three_steps()
# the profiler's own cost inflates ops called often; how much it slows the whole step says how far to trust shares
print(f"3 steps: {', '.join(f'{t:.3f}' for t in plain)} s without the profiler, {profiled:.3f} s with it")
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15, max_name_column_width=36))
print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=12,
                                                         max_name_column_width=32, max_shapes_column_width=70))
